import { Worker } from 'node:worker_threads';
import type { NodeWorkerMessage, NodeWorkerOptions, NodeWorkerRequest } from './node-worker.ts';
import { nextMessage, stopWorker } from './worker-messages.ts';

/** A BFF node on a worker thread (node-worker.ts), listening on 127.0.0.1. */
export interface NodeThread {
  /** `http://127.0.0.1:<port>`, where it listens. */
  readonly origin: string;
  ask<K extends NodeWorkerMessage['kind']>(request: NodeWorkerRequest, answer: K): Promise<Extract<NodeWorkerMessage, { kind: K }>>;
  close(): Promise<void>;
}

/** Starts a node; resolves once it listens. */
export async function startNode(options: NodeWorkerOptions): Promise<NodeThread> {
  const worker = new Worker(new URL('./node-worker.ts', import.meta.url), { workerData: options });
  const expect = async <K extends NodeWorkerMessage['kind']>(kind: K) => {
    const message = await nextMessage<NodeWorkerMessage>(worker, 20_000);
    if (message.kind !== kind) throw new Error(`bench: a BFF node said ${message.kind}, not ${kind}`);
    return message as Extract<NodeWorkerMessage, { kind: K }>;
  };
  const ready = await expect('ready').catch(async (error: unknown) => {
    await stopWorker(worker);
    throw error;
  });
  return {
    origin: ready.origin,
    ask(request, answer) {
      const answered = expect(answer);
      worker.postMessage(request);
      return answered;
    },
    close: () => stopWorker(worker),
  };
}
