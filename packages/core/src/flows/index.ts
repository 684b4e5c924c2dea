// The browser session's part that talks to the provider, loaded with one dynamic import() on first
// use (sign-in, the redirect back, a refresh, logout, userinfo): a page that restores a stored session
// loads and runs none of it. Only what the session calls is exported (every export of a lazily loaded
// module stays in its chunk). Each fails only with a LatchkeyError; refreshUnderLock reports its
// failures to the coordinator instead of throwing.
import { userinfo as fetchUserinfo, type Provider } from '../protocol/index.ts';
import type { StoredSession } from '../stored-session.ts';
import type { DpopKeys } from './dpop-keys.ts';
import { coded } from './failures.ts';
import { completeSignIn as complete, startSignIn as start } from './sign-in.ts';
import { endRemoteSession as endRemote } from './sign-out.ts';

export { createProvider } from '../protocol/index.ts';
export { authorizedFetch, dpopHeaders, keepDpopNonce } from './api-request.ts';
export { DpopKeys } from './dpop-keys.ts';
export const startSignIn = coded('sign-in', start);
export const completeSignIn = coded('sign-in', complete);
export { refreshUnderLock } from './refresh-under-lock.ts';
export const endRemoteSession = coded('logout', endRemote);
export const userinfo = coded('userinfo', async (provider: Provider, stored: StoredSession, sub: string, dpop: DpopKeys) =>
  fetchUserinfo(provider, stored, sub, await dpop.forSession(provider, stored)),
);
