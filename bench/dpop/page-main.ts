// The cost of DPoP in Chromium: one proof of Latchkey's browser-mode DPoP (core's `createDpopProof`, an
// ES256 JWS over WebCrypto), beside the API call it rides on, to a loopback API of another origin.
import { createDpopProof, dpopKey, generateDpopKeyPair, type DpopKey } from '../../packages/core/src/protocol/dpop.ts';
import { createProvider } from '../../packages/core/src/protocol/provider.ts';
import { median } from '../bff-scale/statistics.ts';
import type { DpopMeasure, DpopPageInput, DpopPageResult, DpopTiming } from './timing.ts';

declare global {
  interface Window {
    runDpop(input: DpopPageInput): Promise<DpopPageResult>;
  }
}

window.runDpop = async (input) => {
  const url = new URL(input.apiUrl);
  const provider = createProvider({
    issuer: new URL('http://127.0.0.1:1/'),
    clientId: 'bench',
    fetch: (...args) => fetch(...args),
    clock: { now: Date.now, setTimeout: (fn, ms) => setTimeout(fn, ms), clearTimeout: (id) => clearTimeout(id as number) },
  });
  // The key is made once, as a session makes it once at sign-in; every proof reuses it.
  const key: DpopKey = await dpopKey(provider, await generateDpopKeyPair());
  let proofLength = 0;

  const proof = async () => {
    const jws = await createDpopProof(key, { method: 'GET', url, accessToken: input.accessToken, nowMs: Date.now() });
    if (jws.split('.').length !== 3) throw new Error('bench: createDpopProof returned no JWS');
    proofLength = jws.length;
    return jws;
  };
  const call = async (headers: Record<string, string>) => {
    const response = await fetch(url, { headers, signal: AbortSignal.timeout(5_000) });
    if (!response.ok) throw new Error(`bench: the API answered ${response.status}`);
    await response.text();
  };
  const ops: Record<DpopMeasure, () => Promise<unknown>> = {
    proof,
    bearerCall: () => call({ Authorization: `Bearer ${input.accessToken}` }),
    dpopCall: async () => call({ Authorization: `DPoP ${input.accessToken}`, DPoP: await proof() }),
  };
  const names = Object.keys(ops) as DpopMeasure[];
  const samples: Record<DpopMeasure, number[]> = { proof: [], bearerCall: [], dpopCall: [] };

  // Interleaved: each round runs one batch of each measure, in an order that rotates from round to round.
  const started = performance.now();
  let round = 0;
  for (; round < input.warmupRounds + input.rounds; round++) {
    if (round > input.warmupRounds && performance.now() - started > input.deadlineMs) break;
    for (let k = 0; k < names.length; k++) {
      const name = names[(round + k) % names.length] as DpopMeasure;
      const op = ops[name];
      const start = performance.now();
      for (let i = 0; i < input.batch; i++) await op();
      const us = ((performance.now() - start) * 1000) / input.batch;
      if (round >= input.warmupRounds) samples[name].push(us);
    }
  }
  const timing = (us: readonly number[]): DpopTiming => ({
    medianUs: median(us),
    minUs: Math.min(...us),
    maxUs: Math.max(...us),
    batches: us.length,
    samples: us.length * input.batch,
  });
  return {
    timings: { proof: timing(samples.proof), bearerCall: timing(samples.bearerCall), dpopCall: timing(samples.dpopCall) },
    pairedAddedUs: median(samples.dpopCall.map((us, i) => us - (samples.bearerCall[i] as number))),
    proofLength,
    truncated: round < input.warmupRounds + input.rounds,
    crossOriginIsolated,
  };
};
