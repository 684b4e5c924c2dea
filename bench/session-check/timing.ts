import type { SessionCheck } from './checks.ts';

/** The result for one check: median nanoseconds per call over the interleaved rounds. */
export interface CheckTiming {
  readonly name: string;
  readonly medianNs: number;
  readonly minNs: number;
  readonly maxNs: number;
  readonly callsPerBatch: number;
  readonly rounds: number;
}

export interface TimingOptions {
  readonly now: () => number;
  /** Rounds that count (odd, so the median is one of them). */
  readonly rounds: number;
  readonly warmupRounds: number;
  /** How long one batch of calls runs, so that the clock's resolution does not matter. */
  readonly batchMs: number;
}

type Loop = (fn: () => boolean, calls: number, now: () => number) => { ms: number; hits: number };

/**
 * A timing loop of its own for each check: one shared loop would see every check at one call site
 * (megamorphic), which no template does; each template's call site sees one kind of check.
 */
function compileLoop(): Loop {
  return new Function(
    'fn',
    'calls',
    'now',
    'let hits = 0; const start = now(); for (let i = 0; i < calls; i++) if (fn()) hits++; return { ms: now() - start, hits };',
  ) as Loop;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

/**
 * Times every check in the same process, interleaved: each round runs one batch of each check, in
 * an order that rotates from round to round, so drift (JIT, frequency, a neighbour's build) hits all
 * checks alike. Every call must answer "signed in", which also keeps the calls from being optimized away.
 */
export function timeInterleaved(checks: readonly SessionCheck[], options: TimingOptions): CheckTiming[] {
  const loops = checks.map(() => compileLoop());
  const run = (index: number, calls: number) => {
    const check = checks[index] as SessionCheck;
    const { ms, hits } = (loops[index] as Loop)(check.run, calls, options.now);
    if (hits !== calls) throw new Error(`bench: ${check.name} answered "signed out" for a valid session`);
    return ms;
  };
  const callsPerBatch = checks.map((_, index) => {
    let calls = 16;
    while (run(index, calls) < options.batchMs && calls < 2 ** 30) calls *= 2;
    return calls;
  });
  const samples: number[][] = checks.map(() => []);
  for (let round = 0; round < options.warmupRounds + options.rounds; round++) {
    for (let k = 0; k < checks.length; k++) {
      const index = (round + k) % checks.length;
      const calls = callsPerBatch[index] as number;
      const ms = run(index, calls);
      if (round >= options.warmupRounds) (samples[index] as number[]).push((ms * 1e6) / calls);
    }
  }
  return checks.map((check, index) => {
    const ns = samples[index] as number[];
    return {
      name: check.name,
      medianNs: median(ns),
      minNs: Math.min(...ns),
      maxNs: Math.max(...ns),
      callsPerBatch: callsPerBatch[index] as number,
      rounds: ns.length,
    };
  });
}
