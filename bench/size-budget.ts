// npm run size (and a suite of npm test): the bytes Latchkey costs an app, minified and gzipped,
// against budgets set a little above today's sizes, so a change that grows the bundle fails CI.
// Raise a budget only on purpose, in the same change that explains the growth.
import { build } from 'esbuild';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

/** One thing an app imports, bundled as an app's bundler would (minified, tree-shaken, Angular external). */
export interface SizeCheck {
  readonly name: string;
  /** The module that re-exports what is measured. */
  readonly contents: string;
  /** gzip bytes (level 9) this may not exceed: a little above today's size, so growth fails CI. */
  readonly budgetBytes: number;
  /** Where the size should get to; reported, not enforced, while it is not met. */
  readonly targetBytes?: number;
}

export interface SizeResult extends SizeCheck {
  readonly minifiedBytes: number;
  readonly gzipBytes: number;
  readonly passed: boolean;
}

const root = fileURLToPath(new URL('../', import.meta.url));

/** The `@latchkey/angular` names the demo imports at run time (type-only imports cost nothing). */
export async function demoImports(): Promise<string[]> {
  const names = new Set<string>();
  const files = (await readdir(join(root, 'apps/demo/src'), { recursive: true })).filter(
    (f) => f.endsWith('.ts') && !f.endsWith('.spec.ts'),
  );
  for (const file of files) {
    const source = await readFile(join(root, 'apps/demo/src', file), 'utf8');
    for (const [, list] of source.matchAll(/import\s*\{([^}]*)\}\s*from\s*'@latchkey\/angular'/g)) {
      for (const spec of (list as string).split(',').map((s) => s.trim())) if (spec && !spec.startsWith('type ')) names.add(spec);
    }
  }
  return [...names].sort();
}

/** kB are 1,000 bytes, as size-limit and the Angular CLI count them. */
export async function sizeChecks(): Promise<SizeCheck[]> {
  const names = await demoImports();
  return [
    { name: '@latchkey/core (its whole public API, with oauth4webapi)', contents: "export * from '@latchkey/core';", budgetBytes: 19_800 },
    {
      name: `@latchkey/angular as the demo imports it (${names.join(', ')}; with core and oauth4webapi)`,
      contents: `export { ${names.join(', ')} } from '@latchkey/angular';`,
      budgetBytes: 22_500,
      targetBytes: 15_000,
    },
  ];
}

/** Bundles and measures one check; the libraries must be built (`npm run build`). */
export async function measureSize(check: SizeCheck): Promise<SizeResult> {
  const result = await build({
    stdin: { contents: check.contents, resolveDir: root, loader: 'js' },
    bundle: true,
    write: false,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    // The published entry points, as an app resolves them; Angular and RxJS are the app's either way.
    alias: { '@latchkey/angular': join(root, 'packages/angular/dist/fesm2022/latchkey-angular.mjs') },
    external: ['@angular/*', 'rxjs', 'rxjs/*', 'tslib'],
    // As the Angular CLI's production build does: Angular libraries drop their dev-mode-only code.
    define: { ngDevMode: 'false' },
    logLevel: 'error',
  });
  const code = result.outputFiles[0]?.contents ?? new Uint8Array();
  const gzipBytes = gzipSync(code, { level: 9 }).length;
  return { ...check, minifiedBytes: code.length, gzipBytes, passed: gzipBytes <= check.budgetBytes };
}

const kB = (bytes: number) => `${(bytes / 1000).toFixed(2)} kB`;

if (import.meta.main) {
  const jsonIndex = process.argv.indexOf('--json');
  const results = await Promise.all((await sizeChecks()).map(measureSize));
  for (const r of results) {
    console.log(
      `${r.passed ? '✔' : '✘'} ${r.name}: ${kB(r.gzipBytes)} gzip (${kB(r.minifiedBytes)} minified), budget ${kB(r.budgetBytes)}`,
    );
    if (!r.passed)
      console.log(
        `  over budget by ${kB(r.gzipBytes - r.budgetBytes)}: find what grew (npm run bench breaks it down), or raise the budget on purpose.`,
      );
    if (r.targetBytes !== undefined && r.gzipBytes > r.targetBytes)
      console.log(`  target ${kB(r.targetBytes)} not met yet: ${kB(r.gzipBytes - r.targetBytes)} over.`);
  }
  const passed = results.filter((r) => r.passed).length;
  if (jsonIndex > 0)
    await writeFile(process.argv[jsonIndex + 1] as string, JSON.stringify({ passed, failed: results.length - passed, results }, null, 2));
  process.exit(passed === results.length ? 0 : 1);
}
