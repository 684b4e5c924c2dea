import { LatchkeyError } from '../errors.ts';
import { LOADING_STATE } from './session-cell.ts';
import type { TokenSession } from './types.ts';

/**
 * The session on a server (or wherever there is no `location`): it stays `loading` and does nothing,
 * so the app renders a neutral placeholder that the browser replaces. What needs a browser rejects.
 */
export function inertSession(): TokenSession {
  const browserOnly = () =>
    Promise.reject(
      new LatchkeyError(
        'LATCHKEY_CONFIG_INVALID',
        'This Latchkey session runs outside a browser (server-side rendering); sign-in works in the browser only.',
      ),
    );
  const nothing = () => () => {};
  return {
    getState: () => LOADING_STATE,
    subscribe: nothing,
    isAuthenticated: () => false,
    ready: () => new Promise(() => {}),
    isRedirectCallback: () => false,
    login: browserOnly,
    handleRedirectCallback: browserOnly,
    logout: browserOnly,
    getAccessToken: browserOnly,
    getUserInfo: browserOnly,
    authorizeRequest: browserOnly,
    dpopNonceChallenge: () => false,
    fetch: browserOnly,
    clearError: () => {},
    on: nothing,
    dispose: () => {},
  };
}
