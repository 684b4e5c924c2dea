// Part 7: the BFF at scale on Redis (issue 13's "Load and scale"): a refresh storm across two nodes, session
// lookups per second against express-session + connect-redis, and a node's heap over many lookups. Each
// part starts its own redis-server, dev provider and BFF nodes on 127.0.0.1, and stops them.
import { parseArgs } from 'node:util';
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

// Part 7 alone, or one of its parts, without the rest of npm run bench (the libraries must be built):
//   node bench/bff-scale/run-bff-scale.ts [storm|lookups|heap] [--sessions N] [--lookups N] [--rounds N]
if (import.meta.main) {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { sessions: { type: 'string' }, lookups: { type: 'string' }, rounds: { type: 'string' } },
  });
  const parts = positionals.length > 0 ? positionals : ['storm', 'lookups', 'heap'];
  const int = (n: number) => Math.round(n).toLocaleString('en-US');
  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  if (parts.includes('storm')) {
    const r = await runRefreshStorm({ ...stormLoad, ...(values.sessions && { sessions: Number(values.sessions) }) });
    console.log(
      `refresh storm: ${int(r.load.sessions)} sessions (${r.due} due), ${int(r.requests)} requests over 2 nodes → ${r.providerRefreshes} refresh requests at the provider (nodes sent ${r.sentByNode.join(' + ')}), ${r.refused} refused, ${r.failed} failed (${JSON.stringify(r.statuses)}), ${r.mixedTokens} sessions without one new token`,
    );
    console.log(
      `  sign-ins ${s(r.signInMs)}, storm ${s(r.stormMs)}, ${s(r.totalMs)} in all${r.firstFailure ? `; first failure: ${r.firstFailure}` : ''}`,
    );
    for (const line of r.logs) console.log(`  node log: ${line}`);
  }
  if (parts.includes('lookups')) {
    const r = await runSessionLookups({ ...lookupLoad, ...(values.rounds && { rounds: Number(values.rounds) }) });
    for (const [name, rate] of Object.entries(r.rates))
      console.log(
        `${name}: ${int(rate.medianRps)} lookups/s (rounds ${rate.roundsRps.map(int).join(', ')}), p50 ${rate.p50Ms.toFixed(1)} ms, p99 ${rate.p99Ms.toFixed(1)} ms, Redis per lookup ${JSON.stringify(rate.commandsPerLookup)}`,
      );
    console.log(
      `BFF GET / express-session ${r.ratio.toFixed(2)}× (median pair ${r.pairRatio.toFixed(2)}×; goal ≥ 1.20×), POST ${r.postRatio.toFixed(2)}×; stored ${r.storedBytes.bff} / ${r.storedBytes.expressSession} bytes; no local cache: ${r.noLocalCache}; ${s(r.totalMs)}`,
    );
  }
  if (parts.includes('heap')) {
    const r = await runHeap({ ...heapLoad, ...(values.lookups && { lookups: Number(values.lookups) }) });
    console.log(
      `heap: ${r.slopeBytesPerLookup.toFixed(2)} B per lookup over ${int(r.load.lookups)} lookups (goal ≤ 10 B), ${int(r.heapBeforeBytes)} → ${int(r.heapAfterBytes)} bytes after GC, ${int(r.lookupsPerSecond)} lookups/s; ${s(r.totalMs)}`,
    );
  }
}
