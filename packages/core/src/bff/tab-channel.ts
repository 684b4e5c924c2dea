import type { TabPorts } from '../tabs.ts';
import type { Received } from './bff-client.ts';
import { parseBffSessionBody } from './session-body.ts';

/** What the tabs of one browser tell each other. */
export type TabMessage = { readonly kind: 'session'; readonly body: unknown; readonly receivedAt: number } | { readonly kind: 'logout' };

export interface TabChannelHandlers {
  /** Another tab heard from the server (its own read, or the event stream it leads). */
  session(received: Received): void;
  /** Another tab signed out. */
  logout(): void;
}

/**
 * The BroadcastChannel of one BFF's tabs (`latchkey:bff:` + base). Whatever arrives is checked like
 * an answer from the server: a message that is not exactly one of ours is dropped.
 */
export class TabChannel {
  readonly #channel: ReturnType<NonNullable<TabPorts['channel']>> | undefined;
  readonly #onMessage: (event: Event) => void;

  constructor(name: string, open: TabPorts['channel'], handlers: TabChannelHandlers) {
    this.#onMessage = (event) => {
      const data = (event as MessageEvent<unknown>).data as Partial<Record<string, unknown>> | null | undefined;
      if (data?.['kind'] === 'logout') return handlers.logout();
      const body = data?.['kind'] === 'session' ? parseBffSessionBody(data['body']) : undefined;
      const receivedAt = data?.['receivedAt'];
      if (body && typeof receivedAt === 'number' && Number.isFinite(receivedAt)) handlers.session({ body, receivedAt });
    };
    try {
      this.#channel = open?.(name);
    } catch {
      this.#channel = undefined;
    }
    this.#channel?.addEventListener('message', this.#onMessage);
  }

  /** There is a channel: the other tabs can hear this one. */
  get open(): boolean {
    return this.#channel !== undefined;
  }

  post(message: TabMessage): void {
    try {
      this.#channel?.postMessage(message);
    } catch {
      // A closed channel (the page is going away): the others read the server on their next wake.
    }
  }

  close(): void {
    this.#channel?.removeEventListener('message', this.#onMessage);
    this.#channel?.close();
  }
}
