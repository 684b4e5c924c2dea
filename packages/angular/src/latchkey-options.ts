import { InjectionToken } from '@angular/core';
import type { LatchkeyConfig } from '@latchkey/core';

/** A configuration, or a loader for one (e.g. `() => fetch('/config.json').then((r) => r.json())`). */
export type LatchkeyConfigSource = LatchkeyConfig | (() => LatchkeyConfig | Promise<LatchkeyConfig>);

export interface LatchkeyOptions {
  readonly source: LatchkeyConfigSource;
  readonly overrides: Partial<LatchkeyConfig>;
}

/** The configuration source and the features' overrides, as given to {@link provideLatchkey}. */
export const LATCHKEY_OPTIONS = new InjectionToken<LatchkeyOptions>(ngDevMode ? 'LATCHKEY_OPTIONS' : '');
