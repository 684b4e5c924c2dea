import { InjectionToken } from '@angular/core';
import type { LatchkeyAngularConfig, LatchkeyBffOptions } from '@latchkey/angular';

/** Browser mode (the page is the OAuth client) or BFF mode (the demo's server is). */
export type DemoMode = 'browser' | 'bff';

/** The mode this app was started in. */
export const DEMO_MODE = new InjectionToken<DemoMode>('DEMO_MODE');

/** The mode the server runs, from the page it rendered (`<meta name="latchkey-mode">`). */
export function demoModeOf(document: Document): DemoMode {
  return document.querySelector('meta[name="latchkey-mode"]')?.getAttribute('content') === 'bff' ? 'bff' : 'browser';
}

/** The demo's run-time configuration, as the demo server answers `/config.json` from its environment. */
export interface DemoConfig {
  readonly mode?: DemoMode;
  /** BFF mode: where the BFF is mounted. */
  readonly bffBase?: string;
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
  /** DPoP-bound tokens (RFC 9449). */
  readonly dpop?: boolean;
}

let loaded: DemoConfig | undefined;

/** The loaded `/config.json` (after start-up). */
export function demoConfig(): DemoConfig | undefined {
  return loaded;
}

async function fetchDemoConfig(): Promise<DemoConfig> {
  const response = await fetch('/config.json', { cache: 'no-store' });
  if (!response.ok) throw new Error(`/config.json answered HTTP ${response.status}`);
  return (loaded = (await response.json()) as DemoConfig);
}

/** BFF mode: the BFF's path, and Log Out ending the provider's session too. */
export async function loadBffConfig(): Promise<LatchkeyBffOptions> {
  const config = await fetchDemoConfig();
  return {
    baseUrl: config.bffBase ?? '/bff',
    logout: { endSession: true },
    ...(config.idle && { idle: config.idle }),
  };
}

/** Loads `/config.json`, so one build of the demo runs against any provider. */
export async function loadDemoConfig(): Promise<LatchkeyAngularConfig> {
  const config = await fetchDemoConfig();
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
    ...(config.dpop === true && { dpop: true }),
  };
}
