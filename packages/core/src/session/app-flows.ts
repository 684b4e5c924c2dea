import type { Session } from './types.ts';

/**
 * "Stay signed in" for a session that is ending: extends it by refreshing, or, when no refresh can
 * (no refresh token, or the provider keeps failing), by signing in again. Does nothing otherwise.
 */
export async function extendSession(session: Session): Promise<void> {
  if (!session.getState().expiringSoon) return;
  try {
    await session.getAccessToken({ forceRefresh: true });
  } catch {
    // Reported in the state's `error`.
  }
  const state = session.getState();
  if (state.expiringSoon || state.status !== 'authenticated') await session.login();
}

/**
 * Completes the redirect back at start-up and leaves the address bar where the app should start: the
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
