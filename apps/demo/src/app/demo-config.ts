import type { LatchkeyAngularConfig } from '@latchkey/angular';

/** The demo's run-time configuration, as the demo server answers `/config.json` from its environment. */
export interface DemoConfig {
  readonly issuer: string;
  readonly clientId: string;
  readonly scope?: string;
  readonly audience?: string;
  readonly audienceParameter?: 'resource' | 'audience';
  readonly endSessionMethod?: 'POST' | 'GET';
  /** Send `state` with the end-session request (Glewlwyd redirects back only then). */
  readonly endSessionState?: boolean;
  /** The demo API's origin. */
  readonly api?: string;
  readonly tokenFor?: readonly string[];
  readonly idle?: { readonly minutes: number; readonly warnSeconds?: number };
  /** `false`: the part that talks to the provider loads only when needed, not ahead (see `preloadProtocol`). */
  readonly preloadProtocol?: boolean;
}

let loaded: DemoConfig | undefined;

/** The loaded `/config.json` (after start-up). */
export function demoConfig(): DemoConfig | undefined {
  return loaded;
}

/** Loads `/config.json`, so one build of the demo runs against any provider. */
export async function loadDemoConfig(): Promise<LatchkeyAngularConfig> {
  const response = await fetch('/config.json', { cache: 'no-store' });
  if (!response.ok) throw new Error(`/config.json answered HTTP ${response.status}`);
  const config = (loaded = (await response.json()) as DemoConfig);
  return {
    issuer: config.issuer,
    clientId: config.clientId,
    // Log Out also ends the provider's session (RP-initiated logout), as users expect.
    logout: { endSession: true, endSessionMethod: config.endSessionMethod ?? 'GET', state: config.endSessionState === true },
    ...(config.scope && { scope: config.scope }),
    ...(config.audience && { audience: config.audience }),
    ...(config.audienceParameter && { audienceParameter: config.audienceParameter }),
    ...(config.tokenFor && { tokenFor: config.tokenFor }),
    ...(config.idle && { idle: config.idle }),
    ...(config.preloadProtocol === false && { preloadProtocol: false }),
  };
}
