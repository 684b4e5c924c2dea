import { chmodSync, closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';

/** Makes the directory (0700) if missing and the file (0600) before SQLite opens it, so it is never wider. */
export function prepareFiles(path: string): void {
  const dir = dirname(path);
  if (mkdirSync(dir, { recursive: true, mode: 0o700 }) !== undefined) chmodSync(dir, 0o700);
  closeSync(openSync(path, 'a', 0o600));
  chmodSync(path, 0o600);
}

/** SQLite gives `-wal` and `-shm` the database file's mode; set anyway, in case they predate it. */
export function restrictCompanions(path: string): void {
  for (const suffix of ['-wal', '-shm']) {
    try {
      chmodSync(path + suffix, 0o600);
    } catch (cause) {
      if ((cause as { code?: unknown }).code !== 'ENOENT') throw cause;
    }
  }
}
