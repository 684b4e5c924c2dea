// The core session in one page, driven through sign-in → refresh → sign-out cycles against the real
// dev provider. The page never navigates (a navigation would start a new heap): the provider's
// redirect is captured by a location port, and the bench completes the sign-in form itself.
import { createSession, type Session } from '@latchkey/core';

declare global {
  interface Window {
    memoryBench: {
      start(issuer: string): void;
      /** Starts a sign-in; returns the authorization URL the page would have gone to. */
      login(): Promise<string>;
      /** Completes it from the provider's redirect back; returns the status. */
      callback(url: string): Promise<string>;
      /** Makes the refresh due (a clock 80 % of the lifetime ahead) and waits for it; returns the refreshes so far. */
      refresh(): Promise<number>;
      /** Signs out (revoking the refresh token); returns the status. */
      logout(): Promise<string>;
    };
  }
}

let session: Session | undefined;
let assigned = '';
let clockAheadMs = 0;
let refreshes = 0;
const started = () => session ?? Promise.reject(new Error('memoryBench.start() first'));

window.memoryBench = {
  start(issuer) {
    session = createSession(
      {
        issuer,
        // Bearer tokens, as the other libraries measured here use: the page moves its clock ahead to make
        // refreshes due, which a provider would refuse in a DPoP proof's iat.
        clientId: 'latchkey-demo-bearer',
        scope: 'openid profile email offline_access',
        logout: { revokeRefreshToken: true, endSession: false },
      },
      {
        fetch: (input, init) => fetch(input, init),
        now: () => Date.now() + clockAheadMs,
        setTimeout: (handler, ms) => setTimeout(handler, ms),
        clearTimeout: (id) => clearTimeout(id as number),
        location: { href: location.href, origin: location.origin, assign: (url) => void (assigned = url) },
        history: { replaceState: () => undefined },
        transactionStorage: sessionStorage,
        markerStorage: localStorage,
        events: window,
        lifecycleEvents: document,
        channel: (name) => new BroadcastChannel(name),
        locks: { request: (name, options, callback) => navigator.locks.request(name, options, callback) },
      },
    );
    session.on('refreshed', () => void refreshes++);
  },
  async login() {
    assigned = '';
    await (await started()).login({ returnTo: '/' });
    return assigned;
  },
  async callback(url) {
    const s = await started();
    await s.handleRedirectCallback(url);
    return s.getState().status;
  },
  async refresh() {
    const s = await started();
    const expiresAt = s.getState().expiresAt ?? Date.now();
    clockAheadMs = 0.8 * (expiresAt - Date.now());
    try {
      await s.getAccessToken();
    } finally {
      clockAheadMs = 0;
    }
    return refreshes;
  },
  async logout() {
    const s = await started();
    await s.logout();
    return s.getState().status;
  },
};
