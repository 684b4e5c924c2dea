/** The clock a provider's requests are timed by: the session's (fake in tests, real in a browser or on a server). */
export interface Clock {
  now(): number;
  setTimeout(handler: () => void, ms: number): unknown;
  clearTimeout(id: unknown): void;
}

/** A request the provider has not answered by then has failed (auth0-spa-js waits as long). */
export const REQUEST_TIMEOUT_MS = 10_000;

// Statuses whose Response may not carry a body (the Fetch standard).
const NULL_BODY_STATUS = new Set([204, 205, 304]);

/**
 * Wraps `fetchImpl` so every request has a deadline, on `clock`, for its whole answer, body included:
 * a body that stalls after the headers fails like no answer at all. The timer goes when the answer is in.
 */
export function withDeadline(fetchImpl: typeof fetch, clock: Clock): typeof fetch {
  return async (input, init) => {
    const controller = new AbortController();
    const timer = clock.setTimeout(
      () => controller.abort(new DOMException('The provider did not answer in time.', 'TimeoutError')),
      REQUEST_TIMEOUT_MS,
    );
    try {
      const answer = await fetchImpl(input, { ...init, signal: controller.signal });
      // A redirect not followed (oauth4webapi asks for `redirect: 'manual'`) has no body to wait for.
      if (answer.status < 200 || answer.status > 599) return answer;
      const body = NULL_BODY_STATUS.has(answer.status) ? null : await answer.arrayBuffer();
      return new Response(body, { status: answer.status, statusText: answer.statusText, headers: answer.headers });
    } finally {
      clock.clearTimeout(timer);
    }
  };
}

export function isTimeout(cause: unknown): boolean {
  return (cause as { name?: unknown } | null)?.name === 'TimeoutError';
}
