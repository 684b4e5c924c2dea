// The packages as npm publishes them: `npm pack` of each into a folder, their file lists, and their contents
// unpacked where an app's `npm install` would put them (node_modules/@latchkey/<name>).
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);

export const root = join(import.meta.dirname, '..', '..');

export const packageNames = ['core', 'bff', 'angular'] as const;
export type PackageName = (typeof packageNames)[number];

export interface Tarball {
  readonly file: string;
  /** Its paths without npm's `package/` prefix, e.g. `dist/index.js`. */
  readonly files: readonly string[];
  /** Reads one of `files` from the tarball. */
  read(path: string): Promise<string>;
}

/** What runs under this Node (the repository's), `npm` included: `npm` and its scripts start `node` from the PATH. */
export function run(
  command: string,
  args: readonly string[],
  options: { cwd?: string; timeoutMs?: number; env?: Readonly<Record<string, string>> } = {},
) {
  const env = {
    ...process.env,
    ...options.env,
    PATH: `${dirname(process.execPath)}:${process.env['PATH'] ?? ''}`,
    NG_CLI_ANALYTICS: 'false',
  };
  return exec(command, [...args], {
    cwd: options.cwd ?? root,
    env,
    timeout: options.timeoutMs ?? 120_000,
    maxBuffer: 64 * 1024 * 1024,
  }).catch((error: Error & { stdout?: string; stderr?: string }) => {
    throw new Error(`${command} ${args.join(' ')} failed: ${error.message}\n${error.stdout ?? ''}\n${error.stderr ?? ''}`);
  });
}

/**
 * Packs one package into `destination`. Core and bff build in their `prepack`; the Angular package is packed
 * from its ng-packagr output (packages/angular/dist), as it is published.
 */
export async function pack(name: PackageName, destination: string): Promise<Tarball> {
  const folder = join(destination, name);
  await rm(folder, { recursive: true, force: true });
  await mkdir(folder, { recursive: true });
  if (name === 'angular') {
    if (!existsSync(join(root, 'packages/angular/dist/package.json'))) {
      await run(process.execPath, [join(root, 'node_modules/@angular/cli/bin/ng.js'), 'build', 'angular']);
    }
    await run('npm', ['pack', './packages/angular/dist', '--pack-destination', folder]);
  } else {
    await run('npm', ['pack', '--workspace', `@latchkey/${name}`, '--pack-destination', folder]);
  }
  const [tgz, ...more] = (await readdir(folder)).filter((f) => f.endsWith('.tgz'));
  if (!tgz || more.length > 0) throw new Error(`npm pack of @latchkey/${name} left ${more.length + (tgz ? 1 : 0)} tarballs`);
  const file = join(folder, tgz);
  const { stdout } = await run('tar', ['-tzf', file]);
  const files = stdout
    .split('\n')
    .filter(Boolean)
    .map((path) => path.replace(/^package\//, ''));
  return {
    file,
    files,
    read: async (path) => (await run('tar', ['-xzOf', file, `package/${path}`])).stdout,
  };
}

/** Unpacks a tarball into `<app>/node_modules/@latchkey/<name>`, as `npm install` of it would. */
export async function install(tarball: Tarball, name: PackageName, app: string): Promise<void> {
  const target = join(app, 'node_modules', '@latchkey', name);
  await mkdir(target, { recursive: true });
  await run('tar', ['-xzf', tarball.file, '-C', target, '--strip-components=1']);
}

/** The LICENSE at the root, which every tarball must carry word for word. */
export const rootLicense = () => readFile(join(root, 'LICENSE'), 'utf8');
