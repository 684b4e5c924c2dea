import { copyFile, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import type { Metafile } from 'esbuild';
import { run } from '../../scripts/run.ts';
import { initialChunks, reachableChunks } from '../chunks.ts';
import { modulesMatching, NOT_IN_BFF_MODE, type ModuleRule } from './excluded-modules.ts';

/** One app of the size benchmark: the same app, wired to one library (or to none, the baseline). */
export interface SizeApp {
  readonly name: string;
  /** The file under `app/` that becomes the app's `auth.ts`. */
  readonly authFile: string;
  /** What a reader comparing the sizes should know: what the app had to write, what the library leaves out. */
  readonly note?: string;
  /** Modules the app's bundle must not contain: the bench fails if a chunk the app can load has one. */
  readonly excludes?: readonly ModuleRule[];
}

export const sizeApps: readonly SizeApp[] = [
  { name: 'baseline', authFile: 'auth.ts' },
  { name: 'latchkey', authFile: 'auth-latchkey.ts' },
  // BFF mode: the app's server holds the tokens (@latchkey/bff); the browser side has no protocol code.
  {
    name: 'latchkey-bff',
    authFile: 'auth-latchkey-bff.ts',
    note: 'BFF mode: the sign-in protocol runs on the app’s server',
    excludes: NOT_IN_BFF_MODE,
  },
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

/** JavaScript bytes, each file compressed apart (as a browser downloads them) and summed. */
export interface JsBytes {
  readonly rawBytes: number;
  readonly gzipBytes: number;
  readonly brotliBytes: number;
}

/**
 * One built app. Its own `rawBytes`, `gzipBytes` and `brotliBytes`: all JavaScript the app can load, lazy
 * chunks too; not a chunk the build emits for an `import()` that tree-shaking removed (`unreachable`).
 */
export interface AppSize extends JsBytes {
  readonly name: string;
  /** Emitted chunks no code of the app imports, statically or with `import()`: never downloaded, not counted. */
  readonly unreachable: JsBytes & { readonly files: number };
  /** Every module (metafile input path) in a chunk the app can load. */
  readonly modules: readonly string[];
  /** The labels of the app's `excludes`, when the bench checked that none of them is in a chunk it can load. */
  readonly excluded?: readonly string[];
  /** The JavaScript a first page load downloads: the entry scripts and the chunks they import statically. */
  readonly initial: JsBytes;
  /** How many of the emitted JavaScript files are lazy (loaded through `import()` on first use). */
  readonly lazyFiles: number;
  /** Minified bytes in the output per package (esbuild metafile), `app` for the app's own code. */
  readonly byPackage: Record<string, number>;
  /** The part of `byPackage` in lazy chunks (fetched on first use, through `import()`). */
  readonly lazyByPackage: Record<string, number>;
  /** Minified bytes in the output per file of Latchkey's own packages, by its path in the package's dist/. */
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

/** The JS files an index.html loads: its module scripts (the entries) and its modulepreload links. */
export function scriptsOf(html: string): { entries: string[]; preloads: string[] } {
  const attr = (tag: string, name: string) => new RegExp(`\\s${name}=["']?([^"'\\s>]+)`).exec(tag)?.[1];
  const local = (url: string) => url.replace(/^\.?\//, '');
  const entries: string[] = [];
  const preloads: string[] = [];
  for (const [tag] of html.matchAll(/<script\b[^>]*>/g)) {
    const src = attr(tag, 'src');
    if (src && attr(tag, 'type') === 'module') entries.push(local(src));
  }
  for (const [tag] of html.matchAll(/<link\b[^>]*>/g)) {
    const href = attr(tag, 'href');
    if (href && attr(tag, 'rel') === 'modulepreload') preloads.push(local(href));
  }
  return { entries, preloads };
}

/**
 * Measures one built app. Initial JS: the entry scripts index.html loads (its `<script type="module">`),
 * plus every chunk they import statically, transitively, read from Angular's build stats (the esbuild
 * metafile, `statsJson`), not from index.html's `<link rel="modulepreload">` links, as the CLI writes at
 * most 10 of those; they are only checked to be initial chunks. Total: every JS file the app can load,
 * through static imports and `import()`, transitively. With `excludes`, it throws if one of those files
 * holds a module a rule matches.
 */
export async function measureApp(out: string, name: string, excludes?: readonly ModuleRule[]): Promise<AppSize> {
  const metafile = JSON.parse(await readFile(`${out}/browser-stats.json`, 'utf8')) as Metafile;
  const { entries, preloads } = scriptsOf(await readFile(`${out}/browser/index.html`, 'utf8'));
  if (entries.length === 0) throw new Error(`bench: ${out}/browser/index.html loads no module script`);
  // The metafile's output paths are relative to browser/, as index.html's are.
  const initialFiles = initialChunks(metafile, entries);
  const notInitial = preloads.filter((file) => !initialFiles.has(file));
  if (notInitial.length > 0) throw new Error(`bench: ${name}: index.html preloads ${notInitial.join(', ')}, not an initial chunk`);
  const reachableFiles = reachableChunks(metafile, entries);
  const total = { rawBytes: 0, gzipBytes: 0, brotliBytes: 0 };
  const initial = { rawBytes: 0, gzipBytes: 0, brotliBytes: 0 };
  const unreachable = { rawBytes: 0, gzipBytes: 0, brotliBytes: 0, files: 0 };
  const files: string[] = [];
  for (const file of (await readdir(`${out}/browser`)).filter((f) => f.endsWith('.js'))) {
    const code = await readFile(`${out}/browser/${file}`);
    const bytes = {
      rawBytes: code.length,
      gzipBytes: gzipSync(code, { level: 9 }).length,
      brotliBytes: brotliCompressSync(code, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
    };
    if (!reachableFiles.has(file)) {
      unreachable.files++;
      // No chunk the app loads may name it: the metafile's import graph would then be wrong.
      for (const other of reachableFiles)
        if ((await readFile(`${out}/browser/${other}`, 'utf8')).includes(file))
          throw new Error(`bench: ${name}: ${other} names ${file}, which the metafile says nothing imports`);
    }
    const isInitial = initialFiles.has(file);
    for (const sums of isInitial ? [total, initial] : reachableFiles.has(file) ? [total] : [unreachable]) {
      sums.rawBytes += bytes.rawBytes;
      sums.gzipBytes += bytes.gzipBytes;
      sums.brotliBytes += bytes.brotliBytes;
    }
    if (reachableFiles.has(file)) files.push(file);
  }
  const missing = [...initialFiles].filter((file) => !files.includes(file));
  if (missing.length > 0) throw new Error(`bench: ${name}: initial chunks ${missing.join(', ')} not in ${out}/browser`);
  const byPackage: Record<string, number> = {};
  const lazyByPackage: Record<string, number> = {};
  const latchkeyFiles: Record<string, number> = {};
  const modules = new Set<string>();
  for (const [file, output] of Object.entries(metafile.outputs)) {
    if (!file.endsWith('.js') || !reachableFiles.has(file)) continue;
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      modules.add(input);
      const pkg = packageOf(input);
      byPackage[pkg] = (byPackage[pkg] ?? 0) + bytesInOutput;
      if (!initialFiles.has(file)) lazyByPackage[pkg] = (lazyByPackage[pkg] ?? 0) + bytesInOutput;
      if (pkg.startsWith('@latchkey/')) {
        // The path inside dist/ (core has subfolders: protocol/errors is not errors).
        const base = input.replace(/^.*\/dist\/(fesm2022\/)?/, '').replace(/\.m?js$/, '');
        latchkeyFiles[base] = (latchkeyFiles[base] ?? 0) + bytesInOutput;
      }
    }
  }
  if (excludes) {
    const found = [...modulesMatching(modules, excludes)].filter(([, matched]) => matched.length > 0);
    if (found.length > 0)
      throw new Error(
        `bench: ${name}'s bundle must not contain ${found.map(([label]) => label).join(', ')}, and it does (${found.flatMap(([, matched]) => matched).join(', ')})`,
      );
  }
  return {
    name,
    ...total,
    initial,
    unreachable,
    lazyFiles: files.length - initialFiles.size,
    byPackage,
    lazyByPackage,
    latchkeyFiles,
    modules: [...modules],
    ...(excludes && { excluded: excludes.map((rule) => rule.label) }),
  };
}

/**
 * The control of an `excludes` check: each rule must match a module of the browser-mode app built in the
 * same run, or a clean result could only mean the rule matches no path at all.
 */
function assertRulesMatch(rules: readonly ModuleRule[], control: AppSize, app: string): void {
  const unmatched = [...modulesMatching(control.modules, rules)].filter(([, matched]) => matched.length === 0).map(([label]) => label);
  if (unmatched.length > 0)
    throw new Error(`bench: ${app}'s check is blind: ${unmatched.join(', ')} match no module of the ${control.name} app either`);
}

/**
 * Part 2: the same minimal Angular app (Log In / Log Out, a guarded route, an interceptor for one
 * API origin) built for production once per library, and once without auth; every build in this run.
 */
export async function runBundleSize(workDir: string, only?: readonly string[]): Promise<AppSize[]> {
  const dir = `${workDir}/size`;
  await writeWorkspace(dir);
  const sizes: AppSize[] = [];
  for (const app of sizeApps.filter((a) => !only || a.name === 'baseline' || only.includes(a.name))) {
    console.log(`bench: ng build ${app.name}`);
    // Not through npx: inside a workspace, npx runs from the workspace's folder, not from `dir`.
    await run(process.execPath, [ngCli, 'build', app.name], { cwd: dir, env: { ...process.env, NG_CLI_ANALYTICS: 'false' } });
    sizes.push(await measureApp(`${dir}/dist/${app.name}`, app.name, app.excludes));
  }
  const control = sizes.find((s) => s.name === 'latchkey');
  for (const app of sizeApps)
    if (app.excludes && control && sizes.some((s) => s.name === app.name)) assertRulesMatch(app.excludes, control, app.name);
  return sizes;
}

// Part 2 alone, without the rest of npm run bench (the libraries must be built):
// node bench/bundle-size/run-bundle-size.ts [app ...], the baseline always, every app by default.
if (import.meta.main) {
  const only = process.argv.slice(2);
  const sizes = await runBundleSize(fileURLToPath(new URL('../.work', import.meta.url)), only.length > 0 ? only : undefined);
  const baseline = sizes[0] as AppSize;
  const kB = (bytes: number) => `${(bytes / 1000).toFixed(2)} kB`;
  for (const s of sizes) {
    console.log(
      s === baseline
        ? `${s.name}: all JS ${kB(s.gzipBytes)} gzip, initial ${kB(s.initial.gzipBytes)}`
        : `${s.name}: added ${kB(s.gzipBytes - baseline.gzipBytes)} gzip in all, ${kB(s.initial.gzipBytes - baseline.initial.gzipBytes)} initial (${s.lazyFiles} lazy chunk${s.lazyFiles === 1 ? '' : 's'})`,
    );
    if (s.unreachable.files > 0)
      console.log(`  and ${s.unreachable.files} chunk(s) no code loads, ${kB(s.unreachable.gzipBytes)} gzip (not counted)`);
    if (s.excluded) console.log(`  metafile: none of ${s.excluded.join(', ')}`);
  }
}
