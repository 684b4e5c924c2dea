import { makeEnvironmentProviders, type EnvironmentProviders } from '@angular/core';
import { LATCHKEY_SESSION_FACTORY, provideLatchkey, type LatchkeyFeature } from '@latchkey/angular';
import { TestingSession, type TestingSessionOptions } from './testing-session';

/**
 * Latchkey for an app's own tests: the real `Auth` service, `authGuard` and `authInterceptor`, over
 * an in-memory session signed in as `user` (or signed out with `user: null`). No provider, no network.
 * Inject `TestingSession` to drive it (sign in or out, set an error, read the guard's `returnTo`).
 *
 * @example
 * ```ts
 * TestBed.configureTestingModule({ providers: [provideLatchkeyTesting({ user: { sub: 'alice', name: 'Alice' } })] });
 * ```
 */
export function provideLatchkeyTesting(options: TestingSessionOptions = {}, ...features: LatchkeyFeature[]): EnvironmentProviders {
  const session = new TestingSession(options);
  return makeEnvironmentProviders([
    { provide: TestingSession, useValue: session },
    provideLatchkey({ issuer: 'https://latchkey.test/', clientId: 'latchkey-test' }, ...features),
    // After provideLatchkey, whose browser-mode factory it replaces.
    { provide: LATCHKEY_SESSION_FACTORY, useValue: () => session },
  ]);
}
