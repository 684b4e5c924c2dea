import type * as Flows from '../flows/index.ts';
import type { Provider, ProviderOptions } from '../protocol/index.ts';
import { LatchkeyError } from '../errors.ts';

export type FlowsModule = typeof Flows;

/** The lazily loaded part could not be loaded: a tab left open across a deploy, or the network. */
export function chunkLoadFailed(cause: unknown): LatchkeyError {
  return new LatchkeyError(
    'LATCHKEY_CHUNK_LOAD_FAILED',
    'Part of this app could not be loaded, usually because a new version was deployed since the page was opened. Reload the page and try again; nothing was lost.',
    { name: cause instanceof Error ? cause.name : 'Error' },
  );
}

export interface LoadedProtocol {
  readonly flows: FlowsModule;
  readonly provider: Provider;
}

/** The one dynamic import() of the protocol (a separate chunk in an app's build). */
const importFlows = (): Promise<FlowsModule> => import('../flows/index.ts');

/**
 * Loads the protocol on first use, once: `session/` reaches it only through this import(), so a page
 * that restores a stored session loads none of it. A failed load (a chunk gone after a deploy) is
 * `LATCHKEY_CHUNK_LOAD_FAILED` and is not kept: the next attempt imports again.
 */
export class ProtocolLoader {
  readonly #providerOptions: ProviderOptions;
  readonly #import: () => Promise<FlowsModule>;
  #loading: Promise<LoadedProtocol> | undefined;

  constructor(providerOptions: ProviderOptions, importer: () => Promise<FlowsModule> = importFlows) {
    this.#providerOptions = providerOptions;
    this.#import = importer;
  }

  load(): Promise<LoadedProtocol> {
    this.#loading ??= this.#import()
      .then((flows) => ({ flows, provider: flows.createProvider(this.#providerOptions) }))
      .catch((cause: unknown) => {
        this.#loading = undefined;
        throw chunkLoadFailed(cause);
      });
    return this.#loading;
  }

  /** Loads ahead of need, where that is free (the page idle, a refresh due soon); a failure waits for the real use. */
  preload(): void {
    this.load().catch(() => {});
  }
}
