import { resolveConfig, type LatchkeyConfig } from '../config.ts';
import { BrowserSession } from './browser-session.ts';
import { browserPorts } from './browser-ports.ts';
import { inertSession } from './inert-session.ts';
import type { SessionPorts, TokenSession } from './types.ts';

/**
 * Creates the session for one provider and client. Touches nothing at import; in a browser it reads
 * the store at once (synchronously for a sync store), so the first render is already right. Outside a
 * browser (no `location`: server-side rendering) the session is inert and stays `loading`.
 *
 * @throws LatchkeyConfigError `LATCHKEY_CONFIG_INVALID` for a bad configuration
 */
export function createSession(config: LatchkeyConfig, ports: SessionPorts = browserPorts()): TokenSession {
  const location = ports.location;
  if (!location) {
    resolveConfig(config, 'http://localhost');
    return inertSession();
  }
  return new BrowserSession(resolveConfig(config, location.origin), { ...ports, location });
}
