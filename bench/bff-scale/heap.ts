// Part 7c: the heap of a BFF node over many `{base}/session` lookups on Redis, in a child process with
// --expose-gc (heap-child.ts): forced GCs after a warm-up and at even steps, the least-squares slope per lookup.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startRedisServer } from '../../packages/bff/src/testing/redis-server.ts';
import { bffNode, signIn } from './bff-node.ts';
import type { HeapChildOptions, HeapChildResult } from './heap-child.ts';
import { BFF_SECRET, startScaleProvider } from './provider.ts';
import { slope } from './statistics.ts';

export const heapLoad = {
  lookups: 100_000,
  warmupLookups: 10_000,
  samples: 10,
  concurrency: 16,
  /** The child is killed after this (the bench always stops by itself). */
  timeLimitMs: 180_000,
};

export interface HeapResult {
  readonly load: typeof heapLoad;
  /** The least-squares slope of the heap after forced GC over the lookups, bytes per lookup. */
  readonly slopeBytesPerLookup: number;
  /** Heap after GC: after the warm-up, and after the last lookup. */
  readonly heapBeforeBytes: number;
  readonly heapAfterBytes: number;
  readonly lookupsPerSecond: number;
  readonly totalMs: number;
}

function runChild(options: HeapChildOptions, timeLimitMs: number): Promise<HeapChildResult> {
  const script = fileURLToPath(new URL('./heap-child.ts', import.meta.url));
  const child = spawn(process.execPath, ['--expose-gc', script, JSON.stringify(options)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeLimitMs);
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      const line = stdout.trim().split('\n').pop() ?? '';
      if (code === 0 && line.startsWith('{')) return resolve(JSON.parse(line) as HeapChildResult);
      reject(
        new Error(
          `bench: the heap child exited (${code ?? signal}${signal === 'SIGKILL' ? `, after ${timeLimitMs} ms` : ''}):\n${stderr.slice(-2000)}`,
        ),
      );
    });
  });
}

export async function runHeap(load: typeof heapLoad = heapLoad): Promise<HeapResult> {
  const startedAt = performance.now();
  const closing: (() => Promise<void>)[] = [];
  let child: HeapChildResult;
  try {
    const redis = await startRedisServer();
    closing.push(() => redis.close());
    const provider = await startScaleProvider({ tokenTtlSeconds: 600, keepEveryRecord: false });
    closing.push(() => provider.close());
    const node = { issuer: provider.issuer, clientSecret: BFF_SECRET, appOrigin: provider.appOrigin, redisUrl: redis.url };
    // Signed in through a node of this process; the measured node, in the child, reads the session from Redis.
    const signing = bffNode(node);
    closing.push(() => signing.bff.close());
    const sessionId = await signIn(provider.appOrigin, signing.transport);
    child = await runChild({ ...node, ...load, sessionId }, load.timeLimitMs);
  } finally {
    for (const close of closing.reverse()) await close().catch(() => undefined);
  }
  const samples = child.samples;
  return {
    load,
    slopeBytesPerLookup: slope(samples),
    heapBeforeBytes: (samples[0] as readonly [number, number])[1],
    heapAfterBytes: (samples[samples.length - 1] as readonly [number, number])[1],
    lookupsPerSecond: (load.lookups * 1000) / child.lookupMs,
    totalMs: performance.now() - startedAt,
  };
}
