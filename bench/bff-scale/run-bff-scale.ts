// Part 7: the BFF at scale on Redis (issue 13's "Load and scale"): a refresh storm across two nodes, session
// lookups per second against express-session + connect-redis, and a node's heap over many lookups. Each
// part starts its own redis-server, dev provider and BFF nodes on 127.0.0.1, and stops them.
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { Row } from '../report.ts';
import { heapLoad, runHeap, type HeapResult } from './heap.ts';
import { runRefreshStorm, stormLoad, type RefreshStormResult } from './refresh-storm.ts';
import { lookupLoad, runSessionLookups, type SessionLookupsResult } from './session-lookups.ts';

export interface BffScaleResult {
  readonly storm: RefreshStormResult;
  readonly lookups: SessionLookupsResult;
  readonly heap: HeapResult;
}

export async function runBffScale(): Promise<BffScaleResult> {
  const storm = await runRefreshStorm();
  const lookups = await runSessionLookups();
  const heap = await runHeap();
  return { storm, lookups, heap };
}

// Part 7 alone, or one of its parts, without the rest of npm run bench (the libraries must be built); prints
// the rows RESULTS.md would get:
//   node bench/bff-scale/run-bff-scale.ts [storm|lookups|heap …] [--sessions N] [--lookups N] [--rounds N]
if (import.meta.main) {
  const { heapRows, lookupRows, stormRows } = await import('../report.ts');
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { sessions: { type: 'string' }, lookups: { type: 'string' }, rounds: { type: 'string' } },
  });
  const parts = positionals.length > 0 ? positionals : ['storm', 'lookups', 'heap'];
  const root = new URL('../../node_modules/', import.meta.url);
  const versionOf = async (name: string) =>
    (JSON.parse(await readFile(new URL(`${name}/package.json`, root), 'utf8')) as { version: string }).version;
  const versions = Object.fromEntries(
    await Promise.all(['@latchkey/bff', 'express-session', 'connect-redis', 'redis'].map(async (name) => [name, await versionOf(name)])),
  ) as Record<string, string>;
  const rows: Row[] = [];
  const took: string[] = [];
  if (parts.includes('storm')) {
    const storm = await runRefreshStorm({ ...stormLoad, ...(values.sessions && { sessions: Number(values.sessions) }) });
    rows.push(...stormRows(storm, versions));
    took.push(`storm ${(storm.totalMs / 1000).toFixed(1)} s`);
  }
  if (parts.includes('lookups')) {
    const lookups = await runSessionLookups({ ...lookupLoad, ...(values.rounds && { rounds: Number(values.rounds) }) });
    rows.push(...lookupRows(lookups, versions));
    took.push(`lookups ${(lookups.totalMs / 1000).toFixed(1)} s`);
  }
  if (parts.includes('heap')) {
    const heap = await runHeap({ ...heapLoad, ...(values.lookups && { lookups: Number(values.lookups) }) });
    rows.push(...heapRows(heap));
    took.push(`heap ${(heap.totalMs / 1000).toFixed(1)} s`);
  }
  for (const [, measure, subject, result, compared, goal] of rows)
    console.log(`\n${measure}\n  ${subject}: ${result}\n  ${compared}\n  goal: ${goal || '—'}`);
  console.log(`\n${took.join(', ')}`);
}
