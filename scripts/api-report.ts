// The public API of every published entry point, read by API Extractor (api-extractor.json) from the built
// .d.ts files that each package's `exports` names (Angular's: those of the package.json ng-packagr writes).
//   npm run docs:api   builds the libraries, rewrites the reports (packages/<name>/api/*.api.md) and the
//                      reference (docs/api/, api-documenter markdown). Commit both.
//   npm run api:check  (in npm run lint) builds the libraries and fails when a committed report differs from
//                      what API Extractor produces now, so a public API change shows in review.
import { CompilerState, Extractor, ExtractorConfig } from '@microsoft/api-extractor';
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from './run.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const check = process.argv.includes('--check');
const model = join(root, 'dist/api-extractor/model');

interface EntryPoint {
  /** The import specifier users write: `@latchkey/core/compat`. */
  readonly specifier: string;
  /** `compat` for `@latchkey/core/compat`, `''` for the package's root. */
  readonly subpath: string;
  readonly packageFolder: string;
  readonly typesFile: string;
  /** The report's and the doc model's file name: `core-compat`. */
  readonly name: string;
}

/** Every export with types in the package.json in `exportsFolder` (the package's own unless said). */
async function entryPoints(packageFolder: string, exportsFolder = packageFolder): Promise<EntryPoint[]> {
  const json = JSON.parse(await readFile(join(root, exportsFolder, 'package.json'), 'utf8')) as {
    name: string;
    exports: Record<string, { types?: string }>;
  };
  return Object.entries(json.exports).flatMap(([path, target]) => {
    if (!target.types) return [];
    const subpath = path.replace(/^\.\/?/, '');
    const name = [json.name.replace(/^@[^/]+\//, ''), ...(subpath ? [subpath.replaceAll('/', '-')] : [])].join('-');
    const specifier = subpath ? `${json.name}/${subpath}` : json.name;
    return [{ specifier, subpath, packageFolder: join(root, packageFolder), typesFile: join(root, exportsFolder, target.types), name }];
  });
}

// The libraries as published, core first: bff and angular read its .d.ts.
await run('npm', ['run', 'build', '--workspace', '@latchkey/core']);
await Promise.all([run('npm', ['run', 'build', '--workspace', '@latchkey/bff']), run('npx', ['ng', 'build', 'angular'])]);

const entries = [
  ...(await entryPoints('packages/core')),
  ...(await entryPoints('packages/angular', 'packages/angular/dist')),
  ...(await entryPoints('packages/bff')),
];
await rm(model, { recursive: true, force: true });

const base = ExtractorConfig.loadFile(join(root, 'api-extractor.json'));
const configs = entries.map((entry) =>
  ExtractorConfig.prepare({
    configObject: {
      ...base,
      projectFolder: entry.packageFolder,
      mainEntryPointFilePath: entry.typesFile,
      apiReport: { ...base.apiReport, enabled: true, reportFileName: entry.name },
      docModel: { ...base.docModel, enabled: !check, apiJsonFilePath: join(model, `${entry.name}.api.json`) },
    },
    configObjectFullPath: join(root, 'api-extractor.json'),
    packageJsonFullPath: join(entry.packageFolder, 'package.json'),
  }),
);
// One TypeScript program for all of them: each of its own would read the same declarations again.
const compilerState = CompilerState.create(configs[0]!, { additionalEntryPoints: entries.map((e) => e.typesFile) });
const failed: string[] = [];
for (const [i, config] of configs.entries()) {
  if (!check) await mkdir(config.reportFolder, { recursive: true });
  const result = Extractor.invoke(config, { localBuild: !check, compilerState });
  if (!result.succeeded) failed.push(entries[i]!.specifier);
}
if (failed.length > 0) {
  console.error(
    `\napi-report: ${failed.join(', ')}: the API report is out of date, or API Extractor found a problem (above). ` +
      'Run `npm run docs:api` and commit the changed packages/*/api/*.api.md with the change.',
  );
  process.exit(1);
}

if (!check) {
  // api-documenter names the pages after the package, one package to a doc model: an entry point beside the
  // package's root gets a package name of its own there (`@latchkey/core-compat`), its specifier on the pages.
  const shown = new Map<string, string>();
  for (const entry of entries.filter((e) => e.subpath)) {
    const file = join(model, `${entry.name}.api.json`);
    const json = JSON.parse(await readFile(file, 'utf8')) as ApiItem;
    const docName = `${entry.specifier.slice(0, -entry.subpath.length - 1)}-${entry.subpath.replaceAll('/', '-')}`;
    await writeFile(file, JSON.stringify(renamePackage(json, docName)));
    shown.set(`## ${entry.name} package`, `## ${entry.specifier} entry point`).set(docName, entry.specifier);
  }
  const docs = join(root, 'docs/api');
  await run('npx', ['api-documenter', 'markdown', '--input-folder', model, '--output-folder', docs]);
  for (const page of await readdir(docs)) {
    let text = await readFile(join(docs, page), 'utf8');
    for (const [from, to] of shown) text = text.replaceAll(from, to);
    await writeFile(join(docs, page), text);
  }
  await run('npx', ['prettier', '--log-level', 'warn', '--write', docs]);
}

interface ApiItem {
  name?: string;
  canonicalReference?: string;
  members?: ApiItem[];
}

/** The doc model `json` as package `name`: its items, and the references to them (not those to other entry points). */
function renamePackage(json: ApiItem, name: string): ApiItem {
  const from = `${json.name}!`;
  const own = new Set<string>();
  const collect = (item: ApiItem): void => {
    if (item.canonicalReference) own.add(item.canonicalReference);
    item.members?.forEach(collect);
  };
  collect(json);
  const renamed = JSON.parse(JSON.stringify(json), (key, value: unknown) =>
    key === 'canonicalReference' && typeof value === 'string' && own.has(value) ? `${name}!${value.slice(from.length)}` : value,
  ) as ApiItem;
  return { ...renamed, name };
}
