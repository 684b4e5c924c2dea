import { build, type Metafile, type Plugin } from 'esbuild';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));

/** Where the tutorial's angular2-jwt is installed, on its own (see `angular2-jwt/.npmrc`). */
export const angular2JwtDir = fileURLToPath(new URL('./angular2-jwt/', import.meta.url));

/**
 * angular2-jwt 0.2.3 imports Angular 2's `@angular/http` and RxJS 5 paths at load, for `AuthHttp`;
 * `tokenNotExpired()` and `JwtHelper` use none of it. These stand-ins let the module load as is:
 * its decorators become no-ops, everything else an empty module.
 */
const angular2JwtShims: Plugin = {
  name: 'angular2-jwt-shims',
  setup(build) {
    build.onResolve({ filter: /^angular2-jwt$/ }, () => ({ path: `${angular2JwtDir}node_modules/angular2-jwt/angular2-jwt.js` }));
    build.onResolve({ filter: /^(@angular\/(core|http)|rxjs\/.*)$/ }, (args) =>
      args.importer.includes('/angular2-jwt/node_modules/') ? { path: args.path, namespace: 'angular2-jwt-shim' } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'angular2-jwt-shim' }, (args) => ({
      contents:
        args.path === '@angular/core'
          ? 'const decorator = () => (target) => target; export const Injectable = decorator, NgModule = decorator, Optional = decorator, SkipSelf = decorator;'
          : 'export {};',
      loader: 'js',
    }));
  },
};

/** Bundles a bench entry point (TypeScript) into one script for a page or for Node. */
export async function bundle(entry: string, platform: 'browser' | 'node'): Promise<{ code: string; metafile: Metafile }> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    format: platform === 'node' ? 'esm' : 'iife',
    platform,
    target: 'es2022',
    // Node loads the workspace's packages itself; a page gets everything in one script.
    packages: platform === 'node' ? 'external' : undefined,
    minify: false,
    metafile: true,
    logLevel: 'warning',
    // The published Angular package (partial Ivy; the page loads @angular/compiler to link it).
    alias: { '@latchkey/angular': `${root}packages/angular/dist/fesm2022/latchkey-angular.mjs` },
    plugins: [angular2JwtShims],
  });
  const output = result.outputFiles[0];
  if (!output) throw new Error(`bench: esbuild produced nothing for ${entry}`);
  return { code: output.text, metafile: result.metafile };
}
