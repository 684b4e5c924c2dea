import type * as Flows from '../flows/index.ts';
import type { DpopKeys } from '../flows/dpop-keys.ts';
import type { Provider, ProviderOptions } from '../protocol/index.ts';
import { LatchkeyError } from '../errors.ts';
import type { DpopKeyStore } from './types.ts';

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
  /** The session's DPoP key (made at sign-in, read back for a DPoP-bound session). */
  readonly dpop: DpopKeys;
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
  readonly #dpop: { readonly name: string; readonly store?: DpopKeyStore | undefined };
  readonly #import: () => Promise<FlowsModule>;
  #loading: Promise<LoadedProtocol> | undefined;
  /** What was loaded, once it was. */
  loaded: LoadedProtocol | undefined;

  constructor(
    providerOptions: ProviderOptions,
    dpop: { readonly name: string; readonly store?: DpopKeyStore | undefined },
    importer: () => Promise<FlowsModule> = importFlows,
  ) {
    this.#providerOptions = providerOptions;
    this.#dpop = dpop;
    this.#import = importer;
  }

  load(): Promise<LoadedProtocol> {
    this.#loading ??= this.#import()
      .then(
        (flows) =>
          (this.loaded = {
            flows,
            provider: flows.createProvider(this.#providerOptions),
            dpop: new flows.DpopKeys(this.#dpop.name, this.#dpop.store),
          }),
      )
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
