import type { Session } from './types.ts';

/**
 * @internal "Stay signed in" for a session that is ending: extends it by refreshing (in BFF mode, by telling the
 * server of the activity), or, when no refresh can
 * (no refresh token, or the provider keeps failing), by signing in again. Does nothing otherwise.
 */
export async function extendSession(session: Session & { extend?: () => Promise<void> }): Promise<void> {
  if (!session.getState().expiringSoon) return;
  // BFF mode: the server's session slides; there is no token to refresh here.
  if (session.extend) return session.extend();
  try {
    await session.getAccessToken({ forceRefresh: true });
  } catch {
    // Reported in the state's `error`.
  }
  const state = session.getState();
  if (state.expiringSoon || state.status !== 'authenticated') await session.login();
}

/**
 * @internal Completes the redirect back at start-up and leaves the address bar where the app should start: the
 * sign-in's `returnTo`, or `/` when it failed (the failure is in the state's `error`).
 *
 * @returns that address
 */
export async function completeRedirect(session: Session, history: Pick<History, 'replaceState'> | undefined): Promise<string> {
  const target = await session.handleRedirectCallback().then(
    ({ returnTo }) => returnTo,
    () => '/',
  );
  history?.replaceState(null, '', target);
  return target;
}
