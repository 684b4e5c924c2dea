import { copyFile, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import type { Metafile } from 'esbuild';
import { run } from '../../scripts/run.ts';

/** One app of the size benchmark: the same app, wired to one library (or to none, the baseline). */
export interface SizeApp {
  readonly name: string;
  /** The file under `app/` that becomes the app's `auth.ts`. */
  readonly authFile: string;
  /** What a reader comparing the sizes should know: what the app had to write, what the library leaves out. */
  readonly note?: string;
}

export const sizeApps: readonly SizeApp[] = [
  { name: 'baseline', authFile: 'auth.ts' },
  { name: 'latchkey', authFile: 'auth-latchkey.ts' },
  { name: 'auth0-angular', authFile: 'auth-auth0-angular.ts' },
  { name: 'angular-auth-oidc-client', authFile: 'auth-angular-auth-oidc-client.ts' },
  // Both smaller ones trust TLS for the ID token (OIDC Core §3.1.3.7 allows it); Latchkey checks its signature.
  { name: 'angular-oauth2-oidc', authFile: 'auth-angular-oauth2-oidc.ts', note: 'ID token signature not checked by default' },
  {
    name: 'oidc-client-ts',
    authFile: 'auth-oidc-client-ts.ts',
    note: 'service, guard and interceptor written by the app; ID token signature not checked',
  },
  { name: 'angular-jwt', authFile: 'auth-angular-jwt.ts', note: 'token helper only: no sign-in protocol' },
  { name: 'jwt-decode', authFile: 'auth-jwt-decode.ts', note: 'token helper only: no sign-in protocol' },
];

export interface AppSize {
  readonly name: string;
  /** All JavaScript the production build emits (every chunk), summed file by file. */
  readonly rawBytes: number;
  readonly gzipBytes: number;
  readonly brotliBytes: number;
  /** Minified bytes in the output per package (esbuild metafile), `app` for the app's own code. */
  readonly byPackage: Record<string, number>;
  /** Minified bytes in the output per file of Latchkey's own packages. */
  readonly latchkeyFiles: Record<string, number>;
}

const appSources = fileURLToPath(new URL('./app/', import.meta.url));
const ngCli = fileURLToPath(new URL('../../node_modules/@angular/cli/bin/ng.js', import.meta.url));

/** Which package a bundled file belongs to, by its path in the metafile. */
export function packageOf(path: string): string {
  if (/(^|\/)packages\/core\//.test(path)) return '@latchkey/core';
  if (/(^|\/)packages\/angular\//.test(path)) return '@latchkey/angular';
  const match = /node_modules\/((@[^/]+\/)?[^/]+)\//.exec(path.slice(path.lastIndexOf('node_modules/')));
  return match?.[1] ?? 'app';
}

async function writeWorkspace(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  const shared = (await readdir(appSources)).filter((file) => !file.startsWith('auth'));
  const projects: Record<string, unknown> = {};
  for (const app of sizeApps) {
    const src = `${dir}/${app.name}/src`;
    await mkdir(src, { recursive: true });
    for (const file of [...shared, 'auth-view.ts']) await copyFile(`${appSources}${file}`, `${src}/${file}`);
    await copyFile(`${appSources}${app.authFile}`, `${src}/auth.ts`);
    await writeFile(
      `${dir}/${app.name}/tsconfig.app.json`,
      JSON.stringify({ extends: '../tsconfig.json', compilerOptions: { types: [] }, include: ['src/**/*.ts'] }, null, 2),
    );
    projects[app.name] = {
      projectType: 'application',
      root: app.name,
      sourceRoot: `${app.name}/src`,
      architect: {
        build: {
          builder: '@angular/build:application',
          options: {
            browser: `${app.name}/src/main.ts`,
            index: `${app.name}/src/index.html`,
            tsConfig: `${app.name}/tsconfig.app.json`,
            outputPath: `dist/${app.name}`,
            // What `ng build` does for production, minus file-name hashes; plus esbuild's metafile.
            optimization: true,
            outputHashing: 'none',
            sourceMap: false,
            namedChunks: false,
            extractLicenses: true,
            statsJson: true,
          },
        },
      },
    };
  }
  await writeFile(
    `${dir}/angular.json`,
    JSON.stringify({ version: 1, cli: { analytics: false, cache: { enabled: false } }, projects }, null, 2),
  );
  // The workspace's own compiler options and its path to the built @latchkey/angular.
  await writeFile(
    `${dir}/tsconfig.json`,
    JSON.stringify({ extends: '../../../tsconfig.json', compilerOptions: { outDir: './out-tsc' } }, null, 2),
  );
}

async function measure(dir: string, app: SizeApp): Promise<AppSize> {
  const out = `${dir}/dist/${app.name}`;
  let rawBytes = 0;
  let gzipBytes = 0;
  let brotliBytes = 0;
  for (const file of (await readdir(`${out}/browser`)).filter((f) => f.endsWith('.js'))) {
    const code = await readFile(`${out}/browser/${file}`);
    rawBytes += code.length;
    gzipBytes += gzipSync(code, { level: 9 }).length;
    brotliBytes += brotliCompressSync(code, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
  }
  const metafile = JSON.parse(await readFile(`${out}/browser-stats.json`, 'utf8')) as Metafile;
  const byPackage: Record<string, number> = {};
  const latchkeyFiles: Record<string, number> = {};
  for (const [file, output] of Object.entries(metafile.outputs)) {
    if (!file.endsWith('.js')) continue;
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const name = packageOf(input);
      byPackage[name] = (byPackage[name] ?? 0) + bytesInOutput;
      if (name.startsWith('@latchkey/')) {
        const base = input.slice(input.lastIndexOf('/') + 1).replace(/\.m?js$/, '');
        latchkeyFiles[base] = (latchkeyFiles[base] ?? 0) + bytesInOutput;
      }
    }
  }
  return { name: app.name, rawBytes, gzipBytes, brotliBytes, byPackage, latchkeyFiles };
}

/**
 * Part 2: the same minimal Angular app (Log In / Log Out, a guarded route, an interceptor for one
 * API origin) built for production once per library, and once without auth; every build in this run.
 */
export async function runBundleSize(workDir: string): Promise<AppSize[]> {
  const dir = `${workDir}/size`;
  await writeWorkspace(dir);
  const sizes: AppSize[] = [];
  for (const app of sizeApps) {
    console.log(`bench: ng build ${app.name}`);
    // Not through npx: inside a workspace, npx runs from the workspace's folder, not from `dir`.
    await run(process.execPath, [ngCli, 'build', app.name], { cwd: dir, env: { ...process.env, NG_CLI_ANALYTICS: 'false' } });
    sizes.push(await measure(dir, app));
  }
  return sizes;
}
