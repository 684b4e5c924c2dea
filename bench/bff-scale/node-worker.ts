// One BFF node on a thread of its own, as on a server of its own: `createBff` on Redis (bff-node.ts) on the
// Express adapter, listening on 127.0.0.1. Two of them race for each session's refresh lock as two
// processes would (two nodes on one event loop would take turns, and one would win every lock). A
// worker's script: its options come as workerData; it answers each message with one message.
import { latchkeyBff } from '@latchkey/bff/express';
import express from 'express';
import { parentPort, workerData } from 'node:worker_threads';
import { bffNode } from './bff-node.ts';
import { listen } from './http-server.ts';

export interface NodeWorkerOptions {
  readonly issuer: string;
  readonly clientSecret: string;
  readonly appOrigin: string;
  readonly redisUrl: string;
  readonly upstream: string;
}

/** To the node: move its clock on (the nodes share one), report its counts, or stop. */
export type NodeWorkerRequest =
  { readonly kind: 'clock'; readonly offsetMs: number } | { readonly kind: 'counts' } | { readonly kind: 'stop' };

export type NodeWorkerMessage =
  | { readonly kind: 'ready'; readonly origin: string }
  | { readonly kind: 'clock'; readonly offsetMs: number }
  | { readonly kind: 'counts'; readonly refreshesSent: number; readonly logs: readonly string[] };

const port = parentPort;
if (!port) throw new Error('bench: node-worker.ts runs as a worker thread (new Worker), not on its own');
const options = workerData as NodeWorkerOptions;

let offsetMs = 0;
const node = bffNode({ ...options, now: () => Date.now() + offsetMs });
const app = express();
app.use(latchkeyBff(node.bff));
const server = await listen(app);

port.on('message', (message: NodeWorkerRequest) => {
  if (message.kind === 'clock') {
    offsetMs = message.offsetMs;
    port.postMessage({ kind: 'clock', offsetMs } satisfies NodeWorkerMessage);
  } else if (message.kind === 'counts') {
    port.postMessage({ kind: 'counts', refreshesSent: node.refreshesSent(), logs: node.logs } satisfies NodeWorkerMessage);
  } else {
    void Promise.all([server.close(), node.bff.close()]).then(() => port.close());
  }
});
port.postMessage({ kind: 'ready', origin: server.origin } satisfies NodeWorkerMessage);
