// The BFF node whose heap part 7c measures, in a process of its own started with --expose-gc (heap.ts):
// `{base}/session` lookups through `bff.handle` against Redis, with a forced GC before every sample.
// Prints one JSON line (HeapChildResult) and exits.
import { bffNode, pageHeaders } from './bff-node.ts';
import { inPool } from './in-pool.ts';

export interface HeapChildOptions {
  readonly issuer: string;
  readonly clientSecret: string;
  readonly appOrigin: string;
  readonly redisUrl: string;
  readonly sessionId: string;
  readonly warmupLookups: number;
  readonly lookups: number;
  /** Heap samples after the warm-up one, evenly spread over `lookups`. */
  readonly samples: number;
  /** Lookups in flight at once. */
  readonly concurrency: number;
}

export interface HeapChildResult {
  /** [lookups done since the warm-up, heap used after a forced GC (bytes)]. */
  readonly samples: readonly (readonly [number, number])[];
  readonly lookupMs: number;
}

const gc =
  globalThis.gc ??
  (() => {
    throw new Error('bench: heap-child.ts runs with --expose-gc (heap.ts starts it so)');
  })();
const options = JSON.parse(process.argv[2] ?? '{}') as HeapChildOptions;
const node = bffNode(options);
const url = `${options.appOrigin}/bff/session`;
const headers = pageHeaders(options.appOrigin, options.sessionId);

async function lookups(count: number): Promise<void> {
  await inPool(count, options.concurrency, async () => {
    const response = await node.transport(new Request(url, { headers }));
    const body = await response.text();
    if (response.status !== 200 || !body.includes('"status":"authenticated"'))
      throw new Error(`bench: a lookup answered ${response.status}: ${body.slice(0, 200)}`);
  });
}

function heapAfterGc(): number {
  // Twice: a first full GC can leave what finalizers release for the second.
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

await lookups(options.warmupLookups);
const samples: [number, number][] = [[0, heapAfterGc()]];
const startedAt = performance.now();
for (let i = 1; i <= options.samples; i++) {
  const done = Math.round((options.lookups * i) / options.samples);
  await lookups(done - (samples[samples.length - 1] as [number, number])[0]);
  samples.push([done, heapAfterGc()]);
}
const lookupMs = performance.now() - startedAt;
await node.bff.close();
process.stdout.write(`${JSON.stringify({ samples, lookupMs } satisfies HeapChildResult)}\n`);
