import { inertSession } from '../session/inert-session.ts';
import { resolveBffOptions, type BffSessionOptions } from './bff-options.ts';
import { browserBffPorts, type BffSessionPorts } from './bff-ports.ts';
import { bffBrowserSession, type BffSession } from './bff-session.ts';

/**
 * Creates the browser side of BFF mode (`@latchkey/bff` on the app's server is the OAuth client; the
 * page holds only an `HttpOnly` cookie, never a token). The state comes from `GET {base}/session`
 * (or at once from `initialState`) and follows the server's event stream, one per browser, shared
 * by the tabs. Touches nothing at import. Outside a browser (no `location`: server-side rendering)
 * the session is inert and stays `loading`.
 *
 * In this mode `getAccessToken()` always rejects (`LATCHKEY_BFF_NO_TOKEN`): call APIs through the
 * BFF's proxy, `{base}/api/<name>/…`. The `authenticated` event's `idToken` and `accessToken` are `''`.
 *
 * @throws LatchkeyConfigError `LATCHKEY_CONFIG_INVALID` for a bad option (a `baseUrl` that is not a same-origin path, …)
 * @see https://datatracker.ietf.org/doc/html/draft-ietf-oauth-browser-based-apps (§6.1, backend for frontend)
 */
export function createBffSession(options: BffSessionOptions = {}, ports: BffSessionPorts = browserBffPorts()): BffSession {
  const resolved = resolveBffOptions(options);
  if (ports.location) return bffBrowserSession(resolved, ports as Parameters<typeof bffBrowserSession>[1]);
  const inert = inertSession();
  // Rejects as every operation that needs a browser does there.
  return { ...inert, extend: inert.logout };
}
