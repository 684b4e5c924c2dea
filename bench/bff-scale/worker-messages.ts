import type { Worker } from 'node:worker_threads';

/** The worker's next message, or a rejection after `timeoutMs` (so the bench always stops by itself). */
export function nextMessage<T>(worker: Worker, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`bench: a worker thread did not answer within ${timeoutMs} ms`));
    }, timeoutMs);
    const onMessage = (message: T) => {
      cleanup();
      resolve(message);
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    const cleanup = () => {
      clearTimeout(timer);
      worker.off('message', onMessage);
      worker.off('error', onError);
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
  });
}

/** Asks the worker to stop (`{ kind: 'stop' }`: it closes its servers and exits); terminates it after a second. */
export async function stopWorker(worker: Worker): Promise<void> {
  if (worker.threadId < 0) return; // it has exited already
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  worker.postMessage({ kind: 'stop' });
  const timer = setTimeout(() => void worker.terminate(), 1_000);
  await exited;
  clearTimeout(timer);
}
