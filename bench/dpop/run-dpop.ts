// DPoP in browser mode, the Numbers: the cost of one proof in Chromium (median µs) beside the cost
// of the API call itself on loopback, and the bytes DPoP adds to the lazy chunk and to the initial one.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { bundle } from '../bundle.ts';
import { launchChromium } from '../chromium.ts';
import { servePage } from '../page-server.ts';
import { measureSize, sizeChecks, type SizeResult } from '../size-budget.ts';
import { assertFree, benchPorts, demoOrigin } from '../stack.ts';
import type { DpopPageInput, DpopPageResult } from './timing.ts';

/**
 * The demo check of `npm run size` (bench/size-budget.ts) at commit e06f580, the last before DPoP,
 * gzip bytes: initial 10.99 kB, lazy 14.27 kB (printed to 10 bytes, so each delta is ± 5 bytes).
 */
export const PRE_DPOP_BYTES = { commit: 'e06f580', initial: 10_990, lazy: 14_270 } as const;
/** The goal: at most 0.3 kB gzip added to the initial chunk (the interceptor's scheme and nonce retry). */
export const DPOP_INITIAL_GOAL_BYTES = 300;
/** The name of size-budget.ts's check for the demo's imports. */
const DEMO_CHECK = '@latchkey/angular as the demo imports it';
/** Core's DPoP modules, by their path in the build's metafile (`packages/core/dist/…`). */
const DPOP_MODULES = /(^|\/)(protocol\/dpop|flows\/dpop-keys|flows\/api-request)\.[jt]s$/;

export const dpopLoad = { rounds: 21, warmupRounds: 3, batch: 20, deadlineMs: 30_000 } as const;

export interface DpopModuleBytes {
  /** The module's path in the metafile. */
  readonly path: string;
  /** esbuild's `bytesInOutput`: minified, before gzip. */
  readonly minifiedBytes: number;
  /** The output chunk, relative to the build's output folder. */
  readonly chunk: string;
  readonly initial: boolean;
}

export interface DpopBenchResult {
  readonly chromium: DpopPageResult & {
    readonly load: typeof dpopLoad;
    readonly accessTokenLength: number;
    /** What the API saw: every request of the page, the warm-up's too. */
    readonly api: { readonly bearer: number; readonly dpop: number; readonly preflights: number };
  };
  readonly bytes: {
    readonly check: string;
    readonly initialGzipBytes: number;
    readonly lazyGzipBytes: number;
    readonly preDpop: typeof PRE_DPOP_BYTES;
    readonly initialAddedBytes: number;
    readonly lazyAddedBytes: number;
    readonly goalBytes: number;
    readonly goalMet: boolean;
    /** Core's DPoP modules in the chunks the app can load. */
    readonly modules: readonly DpopModuleBytes[];
  };
  readonly totalMs: number;
}

const b64u = (value: string | Buffer) => Buffer.from(value).toString('base64url');

/** A JWT-shaped access token of about 1 kB: an RS256 header, a hosted provider's claims, a 256-byte signature. */
function fakeAccessToken(): string {
  const header = b64u(JSON.stringify({ alg: 'RS256', typ: 'at+jwt', kid: 'bench-key-1' }));
  const nowS = Math.floor(Date.now() / 1000);
  const claims = {
    iss: 'https://login.example.com/',
    sub: 'auth0|0123456789abcdef01234567',
    aud: ['https://api.example.com/', 'https://login.example.com/userinfo'],
    iat: nowS,
    exp: nowS + 600,
    scope: 'openid profile email offline_access read:private write:private',
    client_id: 'bench-client-0123456789abcdef',
    jti: 'a'.repeat(32),
    cnf: { jkt: 'b'.repeat(43) },
    permissions: ['read:private', 'write:private', 'read:profile', 'write:profile', 'read:orders', 'write:orders'],
  };
  return `${header}.${b64u(JSON.stringify(claims))}.${b64u(Buffer.alloc(256, 7))}`;
}

/**
 * The API of the calls: `node:http` on 127.0.0.1, 200 `{}` with CORS for the page's origin (the preflight
 * allows `Authorization, DPoP`, cached 10 min). It counts the requests and does not verify the proof:
 * the figure is the browser's cost of the call; a resource server's verification is on its own side.
 */
async function startApi(origin: string) {
  const counts = { bearer: 0, dpop: 0, preflights: 0 };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const cors = { 'Access-Control-Allow-Origin': origin, Vary: 'Origin' };
    if (req.method === 'OPTIONS') {
      counts.preflights++;
      res
        .writeHead(204, {
          ...cors,
          'Access-Control-Allow-Methods': 'GET',
          'Access-Control-Allow-Headers': 'Authorization, DPoP',
          'Access-Control-Max-Age': '600',
        })
        .end();
      return;
    }
    const auth = req.headers.authorization ?? '';
    if (auth.startsWith('DPoP ') && typeof req.headers['dpop'] === 'string') counts.dpop++;
    else if (auth.startsWith('Bearer ')) counts.bearer++;
    else return void res.writeHead(401, cors).end();
    res.writeHead(200, { ...cors, 'Content-Type': 'application/json', 'Cache-Control': 'no-store' }).end('{}');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api/private`,
    counts,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function timeInChromium(): Promise<DpopBenchResult['chromium']> {
  await assertFree(benchPorts.demo);
  const page = fileURLToPath(new URL('./page-main.ts', import.meta.url));
  const server = await servePage(benchPorts.demo, '/bench/dpop', (await bundle(page, 'browser')).code);
  const api = await startApi(demoOrigin);
  const browser = await launchChromium();
  let timer: NodeJS.Timeout | undefined;
  try {
    const tab = await browser.newPage();
    const errors: string[] = [];
    tab.on('pageerror', (error) => errors.push(error.message));
    await tab.goto(server.url);
    if (errors.length > 0) throw new Error(`bench: the DPoP page failed: ${errors.join('; ')}`);
    const input: DpopPageInput = { apiUrl: api.url, accessToken: fakeAccessToken(), ...dpopLoad };
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('bench: the DPoP page did not finish in 45 s')), 45_000);
    });
    const result = await Promise.race([tab.evaluate((arg) => window.runDpop(arg), input), deadline]);
    const counted = dpopLoad.batch * (dpopLoad.rounds + dpopLoad.warmupRounds);
    if (!result.truncated && (api.counts.bearer !== counted || api.counts.dpop !== counted))
      throw new Error(`bench: the API saw ${api.counts.bearer} bearer and ${api.counts.dpop} DPoP calls, not ${counted} each`);
    return { ...result, load: dpopLoad, accessTokenLength: input.accessToken.length, api: { ...api.counts } };
  } finally {
    clearTimeout(timer);
    await browser.close().catch(() => undefined);
    await Promise.all([server.close(), api.close()]);
  }
}

/** The bytes of the demo's size check: from `measured` (the bench's part 4) when it has them, else measured here. */
async function measureBytes(measured: readonly SizeResult[]): Promise<DpopBenchResult['bytes']> {
  const check = (await sizeChecks()).find((c) => c.name.startsWith(DEMO_CHECK));
  if (!check) throw new Error(`bench: size-budget.ts has no check named “${DEMO_CHECK}…”`);
  const size = measured.find((result) => result.name === check.name) ?? (await measureSize(check));
  if (!size.metafile) throw new Error('bench: measureSize returned no metafile');
  const modules: DpopModuleBytes[] = [];
  for (const [output, { inputs }] of Object.entries(size.metafile.outputs)) {
    const chunk = size.chunks.find((c) => output === c.file || output.endsWith(`/${c.file}`));
    if (!chunk) continue; // not a chunk the app can load
    for (const [path, { bytesInOutput }] of Object.entries(inputs))
      if (DPOP_MODULES.test(path) && bytesInOutput > 0)
        modules.push({ path, minifiedBytes: bytesInOutput, chunk: chunk.file, initial: chunk.initial });
  }
  const initialAddedBytes = size.initial.gzipBytes - PRE_DPOP_BYTES.initial;
  return {
    check: check.name,
    initialGzipBytes: size.initial.gzipBytes,
    lazyGzipBytes: size.lazy.gzipBytes,
    preDpop: PRE_DPOP_BYTES,
    initialAddedBytes,
    lazyAddedBytes: size.lazy.gzipBytes - PRE_DPOP_BYTES.lazy,
    goalBytes: DPOP_INITIAL_GOAL_BYTES,
    goalMet: initialAddedBytes <= DPOP_INITIAL_GOAL_BYTES,
    modules: modules.sort((a, b) => b.minifiedBytes - a.minifiedBytes),
  };
}

/** The DPoP part of the bench: Chromium's timings (its own browser), then the bytes; needs packages/angular/dist. */
export async function runDpop(measured: readonly SizeResult[] = []): Promise<DpopBenchResult> {
  const started = Date.now();
  const chromium = await timeInChromium();
  const bytes = await measureBytes(measured);
  return { chromium, bytes, totalMs: Date.now() - started };
}

if (import.meta.main) {
  const r = await runDpop();
  const { timings: t, load } = r.chromium;
  const us = (n: number) => `${n.toFixed(1)} µs`;
  const kB = (bytes: number) => `${bytes < 0 ? '−' : '+'}${(Math.abs(bytes) / 1000).toFixed(2)} kB`;
  const line = (label: string, x: (typeof t)['proof']) =>
    console.log(
      `  ${label}: median ${us(x.medianUs)} (batches ${us(x.minUs)}–${us(x.maxUs)}; ${x.batches} batches of ${load.batch}, ${x.samples} calls)`,
    );
  console.log(
    `Chromium, one ES256 key, a ${r.chromium.accessTokenLength}-character access token, ${load.rounds} interleaved rounds after ${load.warmupRounds} warm-up${r.chromium.truncated ? ' (cut short by the deadline)' : ''}:`,
  );
  line('createDpopProof (GET, ath, no nonce)', t.proof);
  line('API call, Bearer (no proof)', t.bearerCall);
  line('API call, DPoP (proof + call)', t.dpopCall);
  console.log(
    `  DPoP adds ${us(r.chromium.pairedAddedUs)} per call (median of each round's difference; ${us(t.dpopCall.medianUs - t.bearerCall.medianUs)} between the medians); proof ${r.chromium.proofLength} characters in the DPoP header`,
  );
  console.log(
    `  The API: node:http on 127.0.0.1, cross-origin to the page (${demoOrigin}), 200 {} with CORS; it does not verify the proof (a resource server's check is its own cost, not the browser's). It saw ${r.chromium.api.bearer} Bearer, ${r.chromium.api.dpop} DPoP calls, ${r.chromium.api.preflights} preflight${r.chromium.api.preflights === 1 ? '' : 's'} (cached 10 min). crossOriginIsolated ${r.chromium.crossOriginIsolated}: the clock ticks in 100 µs, so each figure is a batch's mean.`,
  );
  const b = r.bytes;
  console.log(`Bytes, gzip (${b.check}):`);
  console.log(
    `  initial ${(b.initialGzipBytes / 1000).toFixed(2)} kB (${kB(b.initialAddedBytes)} on ${(b.preDpop.initial / 1000).toFixed(2)} kB at ${b.preDpop.commit}), goal ≤ +${(b.goalBytes / 1000).toFixed(2)} kB ${b.goalMet ? '✔' : '✘'}`,
  );
  console.log(
    `  lazy ${(b.lazyGzipBytes / 1000).toFixed(2)} kB (${kB(b.lazyAddedBytes)} on ${(b.preDpop.lazy / 1000).toFixed(2)} kB at ${b.preDpop.commit})`,
  );
  console.log('  core DPoP modules (metafile bytesInOutput, minified, before gzip):');
  for (const m of b.modules) console.log(`    ${m.path}: ${m.minifiedBytes} B in ${m.initial ? 'initial' : 'lazy'} chunk ${m.chunk}`);
  console.log(
    `  none in the initial chunks ${b.modules.some((m) => m.initial) ? '✘' : '✔'}; oauth4webapi's DPoP handle is inside its one module, not attributed`,
  );
  console.log(`${(r.totalMs / 1000).toFixed(1)} s`);
}
