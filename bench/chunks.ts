import type { Metafile } from 'esbuild';

type ImportKind = Metafile['outputs'][string]['imports'][number]['kind'];

/** The output chunks reached from `entries` through imports of `kinds`, transitively. */
function chunksReached(metafile: Metafile, entries: Iterable<string>, kinds: ReadonlySet<ImportKind>): Set<string> {
  const reached = new Set<string>();
  const pending = [...entries];
  for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
    if (reached.has(file)) continue;
    const output = metafile.outputs[file];
    if (!output) throw new Error(`bench: ${file} is not an output of this build (${Object.keys(metafile.outputs).join(', ')})`);
    reached.add(file);
    for (const { path, kind, external } of output.imports) if (kinds.has(kind) && !external) pending.push(path);
  }
  return reached;
}

/**
 * The output chunks a page must load before its code runs: the entry chunks and every chunk they
 * import statically (`import-statement`), transitively. Every other chunk is lazy: reached only through
 * a `dynamic-import`, fetched on first use. Keys are the metafile's output paths.
 */
export function initialChunks(metafile: Metafile, entries: Iterable<string>): Set<string> {
  return chunksReached(metafile, entries, new Set(['import-statement']));
}

/**
 * Every chunk a page can ever load: the initial ones and those their kept code imports with `import()`,
 * transitively. A chunk esbuild emits for an `import()` that tree-shaking removed (BFF mode's app bundles
 * the file of core's browser-mode protocol loader, not its code) is never downloaded and not counted.
 */
export function reachableChunks(metafile: Metafile, entries: Iterable<string>): Set<string> {
  return chunksReached(metafile, entries, new Set(['import-statement', 'dynamic-import']));
}
