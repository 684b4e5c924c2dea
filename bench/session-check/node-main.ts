// The session checks in Node (bundled by run-session-check.ts, run in a process of their own).
// Node has no localStorage: a Map-backed Storage stands in, like Chromium's in-renderer cache of it.
import { performance } from 'node:perf_hooks';
import { MapStorage } from '../../packages/core/src/testing/fake-browser.ts';
import { sessionChecks } from './checks.ts';
import type { SessionCheckInput } from './id-token.ts';
import { timeInterleaved } from './timing.ts';

const input = JSON.parse(process.env['BENCH_INPUT'] ?? '') as SessionCheckInput & { rounds: number; batchMs: number };
Object.defineProperty(globalThis, 'localStorage', { value: new MapStorage(), configurable: true });
const checks = sessionChecks(input, {
  fetch: () => Promise.reject(new Error('bench: restoring a stored session must not touch the network')),
  now: Date.now,
  location: { href: 'https://app.example.com/', origin: 'https://app.example.com', assign: () => undefined },
});
const timings = timeInterleaved(checks, { now: () => performance.now(), rounds: input.rounds, warmupRounds: 3, batchMs: input.batchMs });
// The restored session keeps its refresh timer running: exit once the result is out.
process.stdout.write(JSON.stringify(timings), () => process.exit(0));
