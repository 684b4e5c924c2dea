// Many BFF nodes on one Redis, in a real Chromium: three demo servers in BFF mode behind a load balancer on the
// app's one origin (one redirect URI, one CSP), with their own provider on 127.0.0.1 (another site). The balancer
// names the node of every answer and lets a test pin a path to a node, so that what crosses nodes (a session, a
// refresh, a logout's news) is proven, not left to chance. Serial: one cluster, faults that follow each other.
import type { BrowserContext, Page, Request } from '@playwright/test';
import { NODE_NAMES, startBffCluster, type BffCluster, type StoredSession } from './bff-cluster.ts';
import { expect, fillProviderLogin, test, logInButton, logOutButton } from './fixtures.ts';
import { securityRow } from '../hostile/security-rows.ts';
import { SERVED_BY, type Passage } from './load-balancer.ts';
import { bffNodesOrigin } from './stack.ts';

test.describe.configure({ mode: 'serial' });
test.use({ baseURL: bffNodesOrigin });

let cluster: BffCluster;
test.beforeAll(async () => {
  cluster = await startBffCluster();
});
test.afterAll(async () => {
  await cluster?.stop();
});
// A failed test leaves the next one a whole cluster.
test.afterEach(async () => {
  if (!cluster) return;
  cluster.lb.unpinAll();
  await cluster.redis.start();
  await Promise.all(NODE_NAMES.map((name) => cluster.nodes[name].start()));
});

const PRIVATE_API = '/bff/api/demo/api/private';
const SESSION = '/bff/session';
const logIn = logInButton;
const logOut = logOutButton;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** Signs in through the balancer: Log In → the provider (127.0.0.1) → a node's callback → back on the page. */
async function signIn(page: Page): Promise<void> {
  await logIn(page).click();
  await page.waitForURL((url) => url.origin === cluster.issuer);
  await fillProviderLogin(page, 'alice', 'alice');
  await expect(logOut(page)).toBeVisible();
}

async function sessionCookieId(context: BrowserContext): Promise<string> {
  const cookie = (await context.cookies(bffNodesOrigin)).find((c) => c.name === '__Host-Http-latchkey');
  expect(cookie, 'the session cookie').toBeDefined();
  return cookie?.value ?? '';
}

async function storedSession(id: string): Promise<StoredSession> {
  const stored = await cluster.storedSession(id);
  expect(stored, 'the session is in Redis').toBeDefined();
  return stored as StoredSession;
}

/** When the BFF refreshes the access token before use: 30 s before its end, or in the last third of a shorter life. */
const dueAt = (stored: StoredSession) => stored.expiresAtMs - Math.min(30_000, (stored.expiresAtMs - stored.issuedAtMs) / 3);

/** One fetch the page made of a BFF endpoint (with the CSRF header), as it saw it. */
interface Call {
  readonly status: number;
  readonly node: string | null;
  readonly startedAt: number;
  readonly endedAt: number;
  /** The body's `status` (a session's) and `error` (a failure's code). */
  readonly session?: string;
  readonly error?: string;
}

/**
 * Fetches `path` from the page: `count` times (or for `forMs`), on `lanes` concurrent lanes. The page's own
 * fetch, with the cookie and the CSRF header, as the app's interceptor sends it.
 */
function fetchFromPage(page: Page, path: string, plan: { count?: number; forMs?: number; lanes?: number }): Promise<Call[]> {
  return page.evaluate(
    async ({ path, header, count, forMs, lanes }) => {
      const until = forMs === undefined ? Infinity : Date.now() + forMs;
      let left = count ?? Infinity;
      const calls: Call[] = [];
      const one = async (): Promise<Call> => {
        const startedAt = Date.now();
        try {
          const answer = await fetch(path, { headers: { 'X-Latchkey-CSRF': '1' }, cache: 'no-store' });
          const text = await answer.text();
          let body: { status?: unknown; error?: unknown } = {};
          try {
            body = JSON.parse(text) as typeof body;
          } catch {
            // Not JSON (the balancer's 502): no status, no code.
          }
          return {
            status: answer.status,
            node: answer.headers.get(header),
            startedAt,
            endedAt: Date.now(),
            ...(typeof body.status === 'string' && { session: body.status }),
            ...(typeof body.error === 'string' && { error: body.error }),
          };
        } catch {
          return { status: 0, node: null, startedAt, endedAt: Date.now() };
        }
      };
      await Promise.all(
        Array.from({ length: lanes }, async () => {
          while (left > 0 && Date.now() < until) {
            left--;
            calls.push(await one());
          }
        }),
      );
      return calls;
    },
    { path, header: SERVED_BY, count: plan.count, forMs: plan.forMs, lanes: plan.lanes ?? 1 },
  );
}

const nodesOf = (calls: readonly Call[]) => [...new Set(calls.map((call) => call.node))].sort();
const statuses = (calls: readonly Call[]) => calls.map((call) => call.status);

/** The balancer's first passage matching, from `since` on, once it has its answer (bounded by expect's timeout). */
async function passage(match: (passage: Passage) => boolean, since: number): Promise<Passage> {
  let found: Passage | undefined;
  await expect
    .poll(() => (found = cluster.lb.log.find((p) => p.at >= since && p.status !== 0 && match(p))), { intervals: [20] })
    .toBeDefined();
  return found as Passage;
}

const isPath = (path: string) => (p: Passage) => p.path.split('?')[0] === path;

/** The requests a context makes to `path` from now on, with when and from which tab. */
interface Seen {
  readonly at: number;
  readonly page: Page | null;
}

function recordRequests(context: BrowserContext, path: string): Seen[] {
  const seen: Seen[] = [];
  context.on('request', (request: Request) => {
    if (new URL(request.url()).pathname !== path) return;
    let page: Page | null = null;
    try {
      page = request.frame().page();
    } catch {
      // A service worker's request: no frame.
    }
    seen.push({ at: Date.now(), page });
  });
  return seen;
}

/**
 * The session reads of `tab` between `from` and `to`, each of which must follow that tab opening its event stream
 * anew in that time: a pushed event made the tab reopen its stream (bound to the cookie as it is now), and after
 * a reconnect it reads the session once, for what it may have missed. Any other read would be polling.
 */
function readsAfterReopen(tab: Page | undefined, records: { reads: Seen[]; streams: Seen[] }, from: number, to: number): Seen[] {
  const reads = records.reads.filter((r) => (tab === undefined || r.page === tab) && r.at >= from && r.at <= to);
  for (const read of reads) {
    expect(
      records.streams.some((s) => s.page === read.page && s.at >= from && s.at <= read.at),
      'a session read follows its tab reopening the stream',
    ).toBe(true);
  }
  expect(new Set(reads.map((r) => r.page)).size, 'one read a tab at most').toBe(reads.length);
  return reads;
}

/**
 * The demo's alerts after a wake event (focus), at which the page reads the session: at most once per 5 s, so a
 * test polls this until the page has looked.
 */
async function alertsAfterWake(page: Page): Promise<string[]> {
  await page.evaluate(() => window.dispatchEvent(new Event('focus')));
  return page.getByRole('alert').allInnerTexts();
}

/** Logs a measured figure to the report, and as an annotation of the test. */
function measured(what: string, value: string): void {
  console.log(`bff-nodes: ${what}: ${value}`);
  test.info().annotations.push({ type: 'measured', description: `${what}: ${value}` });
}

test.describe('BFF mode on many nodes (Redis)', () => {
  test('any node serves any session: signed in through the load balancer, every node renders, reads and proxies it', async ({ page }) => {
    await page.goto('/');
    await signIn(page);
    // Each node in turn renders the page: its server-side render read the session from Redis.
    for (const node of NODE_NAMES) {
      cluster.lb.pin(/^\/$/, node);
      const document = await page.reload();
      expect(document?.headers()[SERVED_BY]).toBe(node);
      expect(await document?.text()).toContain('Alice Liddell');
      await expect(page.getByText('Signed in as Alice Liddell')).toBeVisible();
    }
    cluster.lb.unpinAll();
    // Round-robin: every request of a reload (the page, its configuration, the session, the stream) to the next node.
    const since = Date.now();
    for (let i = 0; i < 6; i++) {
      const document = await page.reload();
      expect(await document?.text()).toContain('Log Out');
      await expect(logOut(page)).toBeVisible();
    }
    const reloads = cluster.lb.log.filter((p) => p.at >= since);
    expect([...new Set(reloads.map((p) => p.node))].sort()).toEqual(['a', 'b', 'c']);
    expect(reloads.filter((p) => p.status >= 400)).toEqual([]);
    const reads = await fetchFromPage(page, SESSION, { count: 9 });
    expect(reads.map((call) => `${call.status} ${call.session}`)).toEqual(Array(9).fill('200 authenticated'));
    expect(nodesOf(reads)).toEqual(['a', 'b', 'c']);
    const proxied = await fetchFromPage(page, PRIVATE_API, { count: 9 });
    expect(statuses(proxied)).toEqual(Array(9).fill(200));
    expect(nodesOf(proxied)).toEqual(['a', 'b', 'c']);
    await page.goto('/api');
    await page.getByRole('button', { name: 'Call private API', exact: true }).click();
    await expect(page.getByTestId('status').first()).toHaveText('200');
    await expect(page.locator('pre').first()).toContainText('Hello alice');
  });

  test(
    'refresh race between nodes: concurrent calls on three nodes as the token is due make one refresh per rotation, no revoked grant',
    { annotation: [securityRow('bff-refresh-race')] },
    async ({ page, context }) => {
      await page.goto('/api');
      await signIn(page);
      const id = await sessionCookieId(context);
      for (let rotation = 1; rotation <= 3; rotation++) {
        const before = await storedSession(id);
        // Half a second into the due window, well before the token's end.
        const fireAt = dueAt(before) + 500;
        expect(fireAt).toBeLessThan(before.expiresAtMs - 1000);
        await sleep(fireAt - Date.now());
        const grants = await cluster.grants();
        const burst = await fetchFromPage(page, PRIVATE_API, { count: 8, lanes: 8 });
        const after = await cluster.grants();
        expect(statuses(burst), `rotation ${rotation}: every call answered`).toEqual(Array(8).fill(200));
        expect(nodesOf(burst), `rotation ${rotation}: the calls spread over the nodes`).toEqual(['a', 'b', 'c']);
        expect(after.refreshed - grants.refreshed, `rotation ${rotation}: refresh grants at the provider`).toBe(1);
        expect(after.refused, 'refresh grants the provider refused (a reused token revokes the grant)').toBe(0);
        const stored = await storedSession(id);
        expect(stored.version, 'one write of rotated tokens').toBe(before.version + 1);
        expect(stored.expiresAtMs).toBeGreaterThan(before.expiresAtMs);
        measured(
          `refresh rotation ${rotation}`,
          `${after.refreshed - grants.refreshed} grant for 8 concurrent calls on ${nodesOf(burst).join(',')}, ${after.refused} refused`,
        );
      }
      await expect(logOut(page)).toBeVisible();
    },
  );

  test(
    'back-channel logout received by node C reaches the tabs whose stream is on node B: every tab shows Log In within a second, no polling',
    { annotation: [securityRow('bff-backchannel-logout')] },
    async ({ context }) => {
      cluster.lb.pin(/^\/bff\/events$/, 'b');
      cluster.lb.pin(/^\/bff\/backchannel-logout$/, 'c');
      const first = await context.newPage();
      await first.goto('/');
      await signIn(first);
      const second = await context.newPage();
      await second.goto('/api');
      await expect(logOut(second)).toBeVisible();
      const streams = recordRequests(context, '/bff/events');
      const reads = recordRequests(context, SESSION);
      const started = Date.now();
      // Another app's logout at the provider: its end-session page ends the provider's session, and the
      // provider tells the BFF (server to server, through the balancer, to node C).
      const elsewhere = await context.newPage();
      await elsewhere.goto(`${cluster.issuer}/session/end`);
      await expect(elsewhere.getByRole('heading', { name: 'Signed out' })).toBeVisible();
      const delivered = await passage(isPath('/bff/backchannel-logout'), started);
      expect(delivered).toMatchObject({ method: 'POST', node: 'c', status: 200 });
      const open = cluster.lb.log.filter((p) => isPath('/bff/events')(p) && p.at < delivered.at);
      expect(open.at(-1)?.node, 'the stream the tabs heard was on node B').toBe('b');
      await Promise.all([first, second].map((tab) => expect(logIn(tab)).toBeVisible({ timeout: 1000 })));
      const shownAfterMs = Date.now() - delivered.at;
      expect(shownAfterMs).toBeLessThan(1000);
      measured('Log In after the back-channel logout reached the load balancer', `${shownAfterMs} ms (both tabs)`);
      await sleep(delivered.at + 1000 - Date.now());
      // The news came on the one stream, and the leading tab relayed it: only that tab reads, once, after it reopened its stream.
      const readsInTheSecond = readsAfterReopen(undefined, { reads, streams }, delivered.at, delivered.at + 1000);
      expect(readsInTheSecond.length, 'session reads in the second after the back-channel logout').toBeLessThanOrEqual(1);
      measured('session reads in that second', `${readsInTheSecond.length} (after the stream reopened)`);
    },
  );

  test('Log Out through node A reaches a tab that hears only its own stream, on node B: Log In there within a second', async ({
    context,
  }) => {
    cluster.lb.pin(/^\/bff\/events$/, 'b');
    cluster.lb.pin(/^\/bff\/logout$/, 'a');
    const first = await context.newPage();
    await first.goto('/');
    await signIn(first);
    // This tab gets no word from the others (no BroadcastChannel): what it learns comes on its own stream.
    const second = await context.newPage();
    await second.addInitScript(() => {
      delete (globalThis as { BroadcastChannel?: unknown }).BroadcastChannel;
    });
    const reads = recordRequests(context, SESSION);
    const streams = recordRequests(context, '/bff/events');
    await second.goto('/');
    await expect(logOut(second)).toBeVisible();
    const streamed = await passage((p) => isPath('/bff/events')(p) && p.node === 'b', Date.now() - 5000);
    expect(streamed.status).toBe(200);
    const started = Date.now();
    await logOut(first).click();
    const loggedOut = await passage(isPath('/bff/logout'), started);
    expect(loggedOut).toMatchObject({ method: 'POST', node: 'a', status: 200 });
    await expect(logIn(second)).toBeVisible({ timeout: 1000 });
    const shownAfterMs = Date.now() - loggedOut.at;
    expect(shownAfterMs).toBeLessThan(1000);
    // The tab did not ask: it was told.
    readsAfterReopen(second, { reads, streams }, loggedOut.at, Date.now());
    measured('Log In in a tab on node B after Log Out through node A', `${shownAfterMs} ms`);
  });

  test(
    'a node killed mid-traffic signs no one out: calls keep succeeding on the others, the event stream moves, the node comes back',
    { annotation: [securityRow('bff-node-killed')] },
    async ({ page, context }) => {
      cluster.lb.pin(/^\/bff\/events$/, 'a');
      await page.goto('/api');
      await signIn(page);
      const id = await sessionCookieId(context);
      await passage((p) => isPath('/bff/events')(p) && p.node === 'a', Date.now() - 5000);
      // A refresh in flight on the node killed would hold its lock (15 s) and keep the others waiting: not this test's case.
      const stored = await storedSession(id);
      if (dueAt(stored) < Date.now() + 7000) {
        await sleep(dueAt(stored) + 200 - Date.now());
        expect(statuses(await fetchFromPage(page, PRIVATE_API, { count: 1 }))).toEqual([200]);
      }
      const traffic = fetchFromPage(page, PRIVATE_API, { forMs: 5000, lanes: 3 });
      await sleep(1500);
      const killedAt = Date.now();
      await cluster.nodes.a.kill();
      const deadAt = Date.now();
      const calls = await traffic;
      const failed = calls.filter((call) => call.status !== 200);
      expect(failed.length, 'at most the calls in flight on the dead node fail').toBeLessThanOrEqual(3);
      for (const call of failed) expect(call.startedAt, 'a failed call was in flight when the node died').toBeLessThanOrEqual(deadAt);
      const later = calls.filter((call) => call.startedAt > deadAt);
      expect(later.length).toBeGreaterThan(10);
      expect(new Set(statuses(later))).toEqual(new Set([200]));
      expect(nodesOf(later)).toEqual(['b', 'c']);
      // The stream was on the dead node: the browser reconnects (its retry is 2 s), to another node.
      const moved = await passage((p) => isPath('/bff/events')(p) && p.status === 200, killedAt);
      expect(['b', 'c']).toContain(moved.node);
      measured('calls in the 5 s of traffic', `${calls.length}, ${failed.length} failed (in flight on the killed node)`);
      measured('the event stream reconnected to another node after', `${moved.at - killedAt} ms`);
      await expect(logOut(page)).toBeVisible();
      const [read] = await fetchFromPage(page, SESSION, { count: 1 });
      expect(read?.session).toBe('authenticated');
      expect(cluster.nodes.b.crashes.concat(cluster.nodes.c.crashes)).toEqual([]);
      await cluster.nodes.a.start();
      const afterRestart = await fetchFromPage(page, PRIVATE_API, { count: 6 });
      expect(statuses(afterRestart)).toEqual(Array(6).fill(200));
      expect(nodesOf(afterRestart)).toEqual(['a', 'b', 'c']);
    },
  );

  test(
    'Redis down: a coded 503 within a second, the demo shows it, no node crashes, nobody is signed out; back on its own when Redis returns',
    { annotation: [securityRow('bff-redis-down')] },
    async ({ page }) => {
      await page.goto('/api');
      await signIn(page);
      const sessions = await cluster.sessionCount();
      await cluster.redis.stop();
      const stoppedAt = Date.now();
      // Three lanes: with the event stream, Chromium's six connections to the origin are never all taken (no queueing in the browser).
      const reads = await fetchFromPage(page, SESSION, { count: 6, lanes: 3 });
      expect(reads.map((call) => `${call.status} ${call.error}`)).toEqual(Array(6).fill('503 LATCHKEY_BFF_UNAVAILABLE'));
      expect(nodesOf(reads)).toEqual(['a', 'b', 'c']);
      const slowest = Math.max(...reads.map((call) => call.endedAt - call.startedAt));
      expect(slowest).toBeLessThan(1000);
      const firstAfterStop = Math.min(...reads.map((call) => call.endedAt)) - stoppedAt;
      expect(firstAfterStop).toBeLessThan(1000);
      measured(
        'GET /bff/session with Redis down',
        `503 LATCHKEY_BFF_UNAVAILABLE in at most ${slowest} ms a call (6 calls on 3 nodes), the first ${firstAfterStop} ms after Redis stopped`,
      );
      const proxied = await fetchFromPage(page, PRIVATE_API, { count: 3, lanes: 3 });
      expect(proxied.map((call) => `${call.status} ${call.error}`)).toEqual(Array(3).fill('503 LATCHKEY_BFF_UNAVAILABLE'));
      // The demo shows the error at its next look (a wake event), and keeps the user signed in.
      await expect
        .poll(() => alertsAfterWake(page), { timeout: 6000, intervals: [500] })
        .toEqual([expect.stringContaining('LATCHKEY_BFF_UNAVAILABLE')]);
      await expect(logOut(page)).toBeVisible();
      for (const name of NODE_NAMES) {
        expect(cluster.nodes[name].crashes, `node ${name}`).toEqual([]);
        expect(cluster.nodes[name].running, `node ${name}`).toBe(true);
      }
      expect(Date.now() - stoppedAt, 'all of it while Redis was down').toBeLessThan(10_000);

      await cluster.redis.start();
      const restartedAt = Date.now();
      await expect
        .poll(
          async () => (await fetchFromPage(page, SESSION, { count: 3, lanes: 3 })).map((call) => `${call.status} ${call.session}`).join(),
          { timeout: 5000, intervals: [100] },
        )
        .toBe(Array(3).fill('200 authenticated').join());
      const recoveredMs = Date.now() - restartedAt;
      measured('the same session answered again on every node after Redis restarted', `${recoveredMs} ms`);
      expect(statuses(await fetchFromPage(page, PRIVATE_API, { count: 3, lanes: 3 }))).toEqual([200, 200, 200]);
      expect(await cluster.sessionCount(), 'no session lost (append-only file)').toBe(sessions);
      // The demo's next look clears the error; a reload is signed in at once.
      await expect.poll(() => alertsAfterWake(page), { timeout: 8000, intervals: [500] }).toEqual([]);
      await expect(logOut(page)).toBeVisible();
      expect(await (await page.reload())?.text()).toContain('Alice Liddell');
      await expect(logOut(page)).toBeVisible();
      await expect(page.getByRole('alert')).toHaveCount(0);
    },
  );
});
