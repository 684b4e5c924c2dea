// The clients of the session-lookup rounds, on a thread of their own: the servers' thread then spends its
// time on the servers, and the rates are theirs. A worker's script: import only its types.
import { Agent, request } from 'node:http';
import { parentPort } from 'node:worker_threads';

/** One round: `requests` requests (fewer if `timeLimitMs` passes first) over `concurrency` keep-alive connections. */
export interface LookupRound {
  readonly kind: 'round';
  readonly url: string;
  readonly method: 'GET' | 'POST';
  readonly headers: Readonly<Record<string, string>>;
  readonly requests: number;
  readonly concurrency: number;
  readonly timeLimitMs: number;
  /** Every answer must be a 200 whose body has this. */
  readonly expect: string;
}

export interface LookupRoundResult {
  readonly kind: 'done';
  readonly completed: number;
  readonly failed: number;
  readonly elapsedMs: number;
  /** Each completed request's time, from its send to its answer's end. */
  readonly latenciesMs: Float64Array<ArrayBuffer>;
  /** The first failure, described: the round stops at it. */
  readonly failure?: string;
}

const port = parentPort;
if (!port) throw new Error('bench: lookup-worker.ts runs as a worker thread (new Worker), not on its own');

// One pool of keep-alive connections per server, kept across rounds as browsers keep theirs.
const agents = new Map<string, Agent>();

function send(url: URL, job: LookupRound, agent: Agent): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { agent, method: job.method, host: url.hostname, port: url.port, path: url.pathname + url.search, headers: job.headers },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

async function round(job: LookupRound): Promise<LookupRoundResult> {
  const url = new URL(job.url);
  let agent = agents.get(url.origin);
  if (!agent) agents.set(url.origin, (agent = new Agent({ keepAlive: true, maxSockets: job.concurrency })));
  const latencies = new Float64Array(job.requests);
  let started = 0;
  let completed = 0;
  let failed = 0;
  let failure: string | undefined;
  const startedAt = performance.now();
  const deadline = startedAt + job.timeLimitMs;
  const client = async () => {
    while (started < job.requests && failed === 0 && performance.now() < deadline) {
      started++;
      const sentAt = performance.now();
      try {
        const answer = await send(url, job, agent);
        if (answer.status !== 200 || !answer.body.includes(job.expect)) throw new Error(`${answer.status} ${answer.body.slice(0, 200)}`);
        latencies[completed++] = performance.now() - sentAt;
      } catch (error) {
        failed++;
        failure ??= `${job.method} ${url.pathname}: ${error instanceof Error ? error.message : String(error)}`;
      }
    }
  };
  await Promise.all(Array.from({ length: job.concurrency }, client));
  return {
    kind: 'done',
    completed,
    failed,
    elapsedMs: performance.now() - startedAt,
    latenciesMs: latencies.slice(0, completed),
    ...(failure !== undefined && { failure }),
  };
}

port.on('message', (message: LookupRound | { kind: 'stop' }) => {
  if (message.kind === 'stop') {
    for (const agent of agents.values()) agent.destroy();
    port.close();
    return;
  }
  void round(message).then((result) => port.postMessage(result, [result.latenciesMs.buffer]));
});
port.postMessage({ kind: 'ready' });
