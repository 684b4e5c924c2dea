import type { Metafile } from 'esbuild';

/**
 * The output chunks a page must load before its code runs: the entry chunks and every chunk they
 * import statically (`import-statement`), transitively. Every other chunk is lazy: reached only through
 * a `dynamic-import`, fetched on first use. Keys are the metafile's output paths.
 */
export function initialChunks(metafile: Metafile, entries: Iterable<string>): Set<string> {
  const initial = new Set<string>();
  const pending = [...entries];
  for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
    if (initial.has(file)) continue;
    const output = metafile.outputs[file];
    if (!output) throw new Error(`bench: ${file} is not an output of this build (${Object.keys(metafile.outputs).join(', ')})`);
    initial.add(file);
    for (const { path, kind, external } of output.imports) if (kind === 'import-statement' && !external) pending.push(path);
  }
  return initial;
}
