import type { Browser, BrowserContext, CDPSession } from '@playwright/test';
import { fileURLToPath } from 'node:url';
import { bundle } from '../bundle.ts';
import { servePage } from '../page-server.ts';
import { assertFree, benchPorts, demoOrigin, idpIssuer } from '../stack.ts';

export interface MemoryResult {
  readonly cycles: number;
  readonly warmupCycles: number;
  /** JS heap in use after a forced GC, before the counted cycles and every `sampleEvery` cycles after. */
  readonly heapSamples: readonly { readonly cycle: number; readonly usedBytes: number }[];
  /** Least-squares slope of the samples: heap bytes gained per cycle, compiled code included. */
  readonly growthPerCycleBytes: number;
  /** JavaScript objects (objects, closures, arrays, strings, numbers) gained per cycle, by heap snapshots before and after. */
  readonly objectGrowthPerCycleBytes: number;
  /** Compiled code gained over the counted cycles (V8 optimizing more of the code as it runs). */
  readonly codeGrowthBytes: number;
  readonly totalMs: number;
  readonly refreshes: number;
}

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/**
 * The provider's side of a sign-in, as the browser would do it: authorize, the sign-in form, the
 * implicit consent, up to the redirect back to the app's /callback, which is returned unopened.
 * Requests go out with the context's cookies; the context's cookies are cleared before, so each
 * cycle is a full sign-in, not single sign-on.
 */
async function signInAtProvider(context: BrowserContext, authorizeUrl: string): Promise<string> {
  let url = authorizeUrl;
  for (let hop = 0; hop < 12; hop++) {
    const interaction = /^(.*\/interaction\/[^/?]+)$/.exec(url);
    const response = await context.request.get(url, { maxRedirects: 0 });
    let next = response.headers()['location'];
    if (!next && interaction && response.status() === 200) {
      const posted = await context.request.post(`${interaction[1]}/login`, {
        form: { username: 'alice', password: 'alice' },
        maxRedirects: 0,
      });
      next = posted.headers()['location'];
    }
    if (!next) throw new Error(`bench: the provider answered ${response.status()} at ${new URL(url).pathname} with no redirect`);
    const target = new URL(next, url).href;
    if (target.startsWith(`${demoOrigin}/callback`)) return target;
    url = target;
  }
  throw new Error('bench: no redirect back to the app after 12 hops');
}

// The heap snapshot's node types that are the page's own data, as opposed to V8's code and metadata
// and the browser's native objects (DevTools keeps a record of each request while it watches).
const JS_OBJECT_TYPES = [
  'object',
  'closure',
  'array',
  'string',
  'concatenated string',
  'sliced string',
  'regexp',
  'number',
  'symbol',
  'bigint',
];

/** Bytes in the JS heap by node type, after a forced GC, from a heap snapshot. */
async function heapByType(cdp: CDPSession): Promise<Map<string, number>> {
  await cdp.send('HeapProfiler.collectGarbage');
  let json = '';
  const onChunk = (event: { chunk: string }) => void (json += event.chunk);
  cdp.on('HeapProfiler.addHeapSnapshotChunk', onChunk);
  await cdp.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
  cdp.off('HeapProfiler.addHeapSnapshotChunk', onChunk);
  const snapshot = JSON.parse(json) as {
    snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
    nodes: number[];
  };
  const fields = snapshot.snapshot.meta.node_fields;
  const typeNames = snapshot.snapshot.meta.node_types[0];
  const [typeAt, sizeAt] = [fields.indexOf('type'), fields.indexOf('self_size')];
  const bytes = new Map<string, number>();
  for (let i = 0; i < snapshot.nodes.length; i += fields.length) {
    const type = typeNames[snapshot.nodes[i + typeAt] as number] as string;
    bytes.set(type, (bytes.get(type) ?? 0) + (snapshot.nodes[i + sizeAt] as number));
  }
  return bytes;
}

function slope(points: readonly { readonly cycle: number; readonly usedBytes: number }[]): number {
  const n = points.length;
  const mx = points.reduce((s, p) => s + p.cycle, 0) / n;
  const my = points.reduce((s, p) => s + p.usedBytes, 0) / n;
  const sxy = points.reduce((s, p) => s + (p.cycle - mx) * (p.usedBytes - my), 0);
  const sxx = points.reduce((s, p) => s + (p.cycle - mx) ** 2, 0);
  return sxx === 0 ? 0 : sxy / sxx;
}

/**
 * Part 5: the JS heap of one page over `cycles` sign-in → refresh → sign-out cycles of one core
 * session, each a real round trip through the dev provider (code exchange, refresh-token grant,
 * revocation). The heap is read after a forced GC (DevTools protocol).
 */
export async function runMemory(browser: Browser, options = { cycles: 100, warmupCycles: 10, sampleEvery: 10 }): Promise<MemoryResult> {
  // The page takes the demo's origin (the providers' registered redirect) while the demo is not running.
  await assertFree(benchPorts.demo);
  const server = await servePage(benchPorts.demo, '/bench/memory', (await bundle(here('./page-main.ts'), 'browser')).code);
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(server.url);
    await page.evaluate((issuer) => window.memoryBench.start(issuer), idpIssuer);
    const cdp = await context.newCDPSession(page);
    const heapUsed = async () => {
      // The page's resource timing buffer keeps an entry per request (up to 250) whoever sent it.
      await page.evaluate(() => performance.clearResourceTimings());
      await cdp.send('HeapProfiler.collectGarbage');
      return (await cdp.send('Runtime.getHeapUsage')).usedSize;
    };
    let refreshes = 0;
    const cycle = async () => {
      await context.clearCookies();
      const authorizeUrl = await page.evaluate(() => window.memoryBench.login());
      const callbackUrl = await signInAtProvider(context, authorizeUrl);
      const status = await page.evaluate((u) => window.memoryBench.callback(u), callbackUrl);
      if (status !== 'authenticated') throw new Error(`bench: sign-in ended ${status}`);
      refreshes = await page.evaluate(() => window.memoryBench.refresh());
      if ((await page.evaluate(() => window.memoryBench.logout())) !== 'anonymous') throw new Error('bench: still signed in after logout');
    };
    for (let i = 0; i < options.warmupCycles; i++) await cycle();
    const heapSamples = [{ cycle: 0, usedBytes: await heapUsed() }];
    const before = await heapByType(cdp);
    const started = Date.now();
    for (let i = 1; i <= options.cycles; i++) {
      await cycle();
      if (i % options.sampleEvery === 0) heapSamples.push({ cycle: i, usedBytes: await heapUsed() });
    }
    const totalMs = Date.now() - started;
    const after = await heapByType(cdp);
    const expected = options.warmupCycles + options.cycles;
    if (refreshes !== expected) throw new Error(`bench: ${refreshes} refreshes in ${expected} cycles`);
    return {
      cycles: options.cycles,
      warmupCycles: options.warmupCycles,
      heapSamples,
      growthPerCycleBytes: slope(heapSamples),
      objectGrowthPerCycleBytes:
        JS_OBJECT_TYPES.reduce((sum, type) => sum + (after.get(type) ?? 0) - (before.get(type) ?? 0), 0) / options.cycles,
      codeGrowthBytes: (after.get('code') ?? 0) - (before.get('code') ?? 0),
      totalMs,
      refreshes,
    };
  } finally {
    await context.close();
    await server.close();
  }
}
