import type { LatchkeyError } from '../errors.ts';
import { refresh, type Provider, type TokenResult } from '../protocol/index.ts';
import { backoffMs } from '../schedule.ts';
import type { RefreshRun } from '../session/refresh-coordinator.ts';
import type { DpopKeys } from './dpop-keys.ts';
import { asLatchkeyError } from './failures.ts';

// Retries of a refresh that cannot have been processed; the session stays usable meanwhile.
const MAX_REFRESH_RETRIES = 5;
// Another tab announces a refresh before it releases the lock; a tab that waited for the lock gives
// the announcement this long to arrive, and the shared store this long to show the announced session.
const ANNOUNCE_WAIT_MS = 300;
const STORE_CATCH_UP_MS = 2_000;

/**
 * The refresh, under the lock every tab refreshes under: unless another tab refreshed (or signed out)
 * meanwhile, one request; retried with backoff only while it cannot have been processed; the rotated
 * refresh token stored before the lock is released or anyone is told. A DPoP-bound session refreshes
 * with a proof of its key; a key that is gone ends the session (`LATCHKEY_DPOP_KEY_MISSING`).
 */
export function refreshUnderLock(run: RefreshRun, provider: Provider, dpop: DpopKeys): Promise<void> {
  return refreshWith(run, async (previous) => refresh(provider, previous, await dpop.forSession(provider, previous.stored)));
}

/** {@link refreshUnderLock} with the provider's answer from `request` (a fake one in unit tests). */
export async function refreshWith(run: RefreshRun, request: (previous: TokenResult) => Promise<TokenResult>): Promise<void> {
  const { host, startedWith } = run;
  if (!run.stillCurrent()) return;
  if (host.store.shared && (await refreshedElsewhere(run))) return;
  if (host.follower.loggedOutSince(startedWith)) return host.follower.loggedOutElsewhere();
  for (let attempt = 0; ; attempt++) {
    let result: TokenResult;
    try {
      result = await request(startedWith);
    } catch (error) {
      if (!run.stillCurrent()) return;
      const failure: LatchkeyError = asLatchkeyError(error, 'refresh');
      // Unprocessed by the provider: no answer, 429, 502, 503, 504; or never sent (the DPoP key could not be read).
      const retryable = failure.code === 'LATCHKEY_PROVIDER_UNREACHABLE' || failure.code === 'LATCHKEY_DPOP_KEY_UNAVAILABLE';
      const delay = backoffMs(attempt);
      if (retryable && attempt < MAX_REFRESH_RETRIES && host.clock.now() + delay < startedWith.stored.expires_at_ms) {
        run.trouble('retryable');
        await new Promise((resolve) => host.clock.setTimeout(() => resolve(undefined), delay));
        if (!run.stillCurrent()) return;
        continue;
      }
      if (retryable || failure.code === 'LATCHKEY_TOKEN_REQUEST_FAILED') {
        // Keep the session until it ends; a failure that may have been processed is never retried.
        run.trouble(retryable ? 'retryable' : 'blocked');
        host.fail(failure);
        return;
      }
      // invalid_grant, another identity, an invalid ID token: the session is over, once, everywhere.
      host.signOut(failure);
      return;
    }
    if (!run.stillCurrent()) return; // signed out meanwhile: these tokens are dropped, never stored
    // Signed out in another tab whose message has not arrived yet: the marker says so already.
    if (host.follower.loggedOutSince(startedWith)) return host.follower.loggedOutElsewhere();
    await host.store.write(result.stored);
    if (!run.stillCurrent()) return;
    host.refreshed({ stored: result.stored, user: result.user }, true);
    return;
  }
}

/**
 * With a shared store: did another tab refresh (or sign out) since the run started? Then this tab
 * follows it and must not refresh, or it would reuse a rotated token. localStorage may show another
 * tab's write only after the lock comes here, so the announcement (sent before the other tab released
 * the lock) decides, and the store is waited for to catch up.
 */
async function refreshedElsewhere(run: RefreshRun): Promise<boolean> {
  const { host } = run;
  const started = run.startedWith.stored;
  if (run.waited && run.newestAnnounced() <= started.issued_at_ms) await run.nextStoreChange(ANNOUNCE_WAIT_MS);
  const deadline = host.clock.now() + STORE_CATCH_UP_MS;
  for (;;) {
    if (!run.stillCurrent()) return true;
    const latest = await host.store.read();
    if (!run.stillCurrent()) return true;
    if (!latest) {
      host.follower.loggedOutElsewhere();
      return true;
    }
    if (latest.stored.refresh_token !== started.refresh_token || latest.stored.issued_at_ms > started.issued_at_ms) {
      host.refreshed(latest, false);
      return true;
    }
    if (run.newestAnnounced() <= started.issued_at_ms) return false;
    // Announced but not visible yet: wait for the store; never refresh with a token that was used.
    if (host.clock.now() >= deadline) return true;
    await run.nextStoreChange(50);
  }
}
