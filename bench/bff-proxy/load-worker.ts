// The other side of both proxies, on a thread of its own: the upstream API and the clients that load the
// proxies. The proxies' thread then spends its time on the proxies only, and the ratio is theirs, not
// diluted by the client's and the upstream's share of one event loop. A worker's script: import only its types.
import { Agent, createServer, request, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parentPort } from 'node:worker_threads';

/** What the upstream answers every request with: a small JSON body, as an API's one record. */
const UPSTREAM_BODY = JSON.stringify({ id: 'b7e2c1', name: 'Alice Example', email: 'alice@example.com', roles: ['reader'] });
/** The upstream says whether the request came with a bearer token, so the bench can check the BFF's. */
const BEARER_HEADER = 'x-upstream-saw-bearer';

/** One round of load: `requests` requests (fewer if `timeLimitMs` passes first) over `concurrency` keep-alive connections. */
export interface LoadRequest {
  readonly kind: 'load';
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly requests: number;
  readonly concurrency: number;
  readonly timeLimitMs: number;
}

export interface LoadResult {
  readonly kind: 'loaded';
  /** Answers 200 with the upstream's body. */
  readonly completed: number;
  /** Of them, how many reached the upstream with a bearer token. */
  readonly bearer: number;
  readonly failed: number;
  readonly elapsedMs: number;
  /** The first failure, described: the round stops at it. */
  readonly failure?: string;
}

export type WorkerMessage = { readonly kind: 'ready'; readonly upstream: string; readonly bodyBytes: number } | LoadResult;

const port = parentPort;
if (!port) throw new Error('bench: load-worker.ts runs as a worker thread (new Worker), not on its own');

const upstream = createServer((req, res) => {
  req.resume();
  res.writeHead(200, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(UPSTREAM_BODY),
    [BEARER_HEADER]: /^Bearer \S+$/.test(req.headers.authorization ?? '') ? 'yes' : 'no',
  });
  res.end(UPSTREAM_BODY);
});
await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));

// One pool of keep-alive connections per proxy, kept across rounds as a browser keeps its connections.
const agents = new Map<string, Agent>();

function get(
  url: URL,
  headers: Readonly<Record<string, string>>,
  agent: Agent,
): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ agent, host: url.hostname, port: url.port, path: url.pathname + url.search, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

async function load(job: LoadRequest): Promise<LoadResult> {
  const url = new URL(job.url);
  let agent = agents.get(url.origin);
  if (!agent) agents.set(url.origin, (agent = new Agent({ keepAlive: true, maxSockets: job.concurrency })));
  let started = 0;
  let completed = 0;
  let bearer = 0;
  let failed = 0;
  let failure: string | undefined;
  const startedAt = performance.now();
  const deadline = startedAt + job.timeLimitMs;
  const client = async () => {
    while (started < job.requests && failed === 0 && performance.now() < deadline) {
      started++;
      try {
        const answer = await get(url, job.headers, agent);
        if (answer.status !== 200 || answer.body !== UPSTREAM_BODY) throw new Error(`${answer.status} ${answer.body.slice(0, 200)}`);
        completed++;
        if (answer.headers[BEARER_HEADER] === 'yes') bearer++;
      } catch (error) {
        failed++;
        failure ??= `${url.pathname}: ${error instanceof Error ? error.message : String(error)}`;
      }
    }
  };
  await Promise.all(Array.from({ length: job.concurrency }, client));
  return { kind: 'loaded', completed, bearer, failed, elapsedMs: performance.now() - startedAt, ...(failure !== undefined && { failure }) };
}

port.on('message', (message: LoadRequest | { kind: 'stop' }) => {
  if (message.kind === 'stop') {
    for (const agent of agents.values()) agent.destroy();
    upstream.closeAllConnections();
    upstream.close(() => port.close());
    return;
  }
  void load(message).then((result) => port.postMessage(result satisfies WorkerMessage));
});
port.postMessage({
  kind: 'ready',
  upstream: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`,
  bodyBytes: Buffer.byteLength(UPSTREAM_BODY),
} satisfies WorkerMessage);
