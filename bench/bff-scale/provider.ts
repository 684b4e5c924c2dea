import { Worker } from 'node:worker_threads';
import { BFF_CLIENT_ID } from '../../apps/idp/src/idp.ts';
import { freePort } from '../../packages/bff/src/testing/harness.ts';
import type { ProviderWorkerMessage, ProviderWorkerOptions } from './provider-worker.ts';
import { nextMessage, stopWorker } from './worker-messages.ts';

export const BFF_SECRET = 'bench-bff-secret';

/** What the dev provider counted for the BFF's client: refresh-token grants made, and refused (a reused rotated token among them). */
export interface RefreshGrants {
  readonly refreshed: number;
  readonly refused: number;
}

/** The dev provider and a tiny upstream, on a worker thread (provider-worker.ts). */
export interface ScaleProvider {
  readonly issuer: string;
  /** The app's origin the provider knows: `http://localhost:<free port>` (its `/bff/callback` is registered). */
  readonly appOrigin: string;
  readonly appPort: number;
  /** An upstream API that answers `{ authorization }`: the header it received. */
  readonly upstream: string;
  /** The provider's own count (`GET /__test/grants`, from its grant events). */
  refreshGrants(): Promise<RefreshGrants>;
  close(): Promise<void>;
}

export async function startScaleProvider(
  options: Omit<ProviderWorkerOptions, 'appPort' | 'clientSecret'> & { readonly appPort?: number },
): Promise<ScaleProvider> {
  const appPort = options.appPort ?? (await freePort());
  const workerData: ProviderWorkerOptions = { ...options, appPort, clientSecret: BFF_SECRET };
  const worker = new Worker(new URL('./provider-worker.ts', import.meta.url), { workerData });
  let ready: ProviderWorkerMessage;
  try {
    ready = await nextMessage<ProviderWorkerMessage>(worker, 20_000);
  } catch (error) {
    await stopWorker(worker);
    throw error;
  }
  return {
    issuer: ready.issuer,
    appOrigin: `http://localhost:${appPort}`,
    appPort,
    upstream: ready.upstream,
    async refreshGrants() {
      const answer = await fetch(`${ready.issuer}/__test/grants`);
      const grants = (await answer.json()) as Record<string, RefreshGrants | undefined>;
      return grants[BFF_CLIENT_ID] ?? { refreshed: 0, refused: 0 };
    },
    close: () => stopWorker(worker),
  };
}
