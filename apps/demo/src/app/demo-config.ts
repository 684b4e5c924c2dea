import type { LatchkeyConfig } from '@latchkey/angular';

/** The demo's run-time configuration, as the demo server answers `/config.json` from its environment. */
interface DemoConfig {
  readonly issuer: string;
  readonly clientId: string;
  readonly scope?: string;
  readonly audience?: string;
  readonly audienceParameter?: 'resource' | 'audience';
  readonly endSessionMethod?: 'POST' | 'GET';
}

/** Loads `/config.json`, so one build of the demo runs against any provider. */
export async function loadDemoConfig(): Promise<LatchkeyConfig> {
  const response = await fetch('/config.json', { cache: 'no-store' });
  if (!response.ok) throw new Error(`/config.json answered HTTP ${response.status}`);
  const config = (await response.json()) as DemoConfig;
  return {
    issuer: config.issuer,
    clientId: config.clientId,
    // Log Out also ends the provider's session (RP-initiated logout by form POST), as users expect.
    logout: { endSession: true, endSessionMethod: config.endSessionMethod ?? 'POST' },
    ...(config.scope && { scope: config.scope }),
    ...(config.audience && { audience: config.audience }),
    ...(config.audienceParameter && { audienceParameter: config.audienceParameter }),
  };
}
