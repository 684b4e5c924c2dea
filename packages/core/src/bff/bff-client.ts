import { LatchkeyError } from '../errors.ts';
import { parseBffSessionBody, parseJson, parseLogoutBody, type CheckedSessionBody } from './session-body.ts';
import { CSRF_HEADER, CSRF_VALUE, type BffLogoutBody } from './wire.ts';

/** A session body as received, with when it arrived on this browser's clock. */
export interface Received {
  readonly body: CheckedSessionBody;
  readonly receivedAt: number;
}

export interface ClientPorts {
  readonly fetch: typeof fetch;
  readonly now: () => number;
  readonly setTimeout: (handler: () => void, ms: number) => unknown;
  readonly clearTimeout: (id: unknown) => void;
}

// A BFF that neither answers nor fails must not keep the page `loading` for ever.
export const REQUEST_TIMEOUT_MS = 10_000;

const unavailable = (what: string, cause?: { status?: number; name?: string }) =>
  new LatchkeyError(
    'LATCHKEY_BFF_UNAVAILABLE',
    `The BFF ${what}; the session is unchanged. It is read again on the next wake event.`,
    cause,
  );

/**
 * The BFF's session endpoints, as the page calls them: same origin, the session cookie, the CSRF
 * header. Every failure is a `LatchkeyError`: `LATCHKEY_CSRF_REJECTED` for a 403, else
 * `LATCHKEY_BFF_UNAVAILABLE` (no answer, an error status, or an answer that is not what was asked for).
 */
export class BffClient {
  readonly #base: string;
  readonly #ports: ClientPorts;
  /** Requests on their way, aborted at dispose. */
  readonly #inFlight = new Set<AbortController>();

  constructor(base: string, ports: ClientPorts) {
    this.#base = base;
    this.#ports = ports;
  }

  /** `GET {base}/session` (a look, not activity) or `POST {base}/session` (activity: slides the idle timeout). */
  async session(method: 'GET' | 'POST'): Promise<Received> {
    const body = parseBffSessionBody(await this.#call(method, '/session'));
    if (!body) throw unavailable('answered with something that is not a session');
    return { body, receivedAt: this.#ports.now() };
  }

  /** `POST {base}/logout`: the server session is gone once this resolves. */
  async logout(): Promise<BffLogoutBody> {
    return parseLogoutBody(await this.#call('POST', '/logout'));
  }

  async #call(method: string, path: string): Promise<unknown> {
    const controller = new AbortController();
    const timer = this.#ports.setTimeout(() => controller.abort(), REQUEST_TIMEOUT_MS);
    this.#inFlight.add(controller);
    try {
      let response: Response;
      try {
        response = await this.#ports.fetch(this.#base + path, {
          method,
          headers: { [CSRF_HEADER]: CSRF_VALUE },
          credentials: 'same-origin',
          cache: 'no-store',
          signal: controller.signal,
        });
      } catch (error) {
        throw unavailable('could not be reached', { name: (error as Error | undefined)?.name ?? 'Error' });
      }
      if (response.status === 403) {
        throw new LatchkeyError(
          'LATCHKEY_CSRF_REJECTED',
          'The BFF refused the request as cross-site (403): serve the app and the BFF from one origin.',
          {
            status: 403,
          },
        );
      }
      if (!response.ok) throw unavailable(`answered ${response.status}`, { status: response.status });
      const text = await response.text().catch(() => undefined);
      if (text === undefined) throw unavailable('answer was cut off', { status: response.status });
      return parseJson(text);
    } finally {
      this.#ports.clearTimeout(timer);
      this.#inFlight.delete(controller);
    }
  }

  /** Aborts every request on its way (each then fails as unreachable). */
  abort(): void {
    for (const controller of this.#inFlight) controller.abort();
  }
}
