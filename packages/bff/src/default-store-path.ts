import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Where the default SQLite store keeps its file: the user's state directory (`$XDG_STATE_HOME`, else
 * `~/.local/state`), `latchkey/bff-sessions.sqlite` — outside any repository, and created mode 0600.
 */
export function defaultSqlitePath(env: NodeJS.ProcessEnv = process.env): string {
  const state = env['XDG_STATE_HOME'] || join(homedir(), '.local', 'state');
  return join(state, 'latchkey', 'bff-sessions.sqlite');
}
