import type { EnvironmentProviders, Provider } from '@angular/core';
import type { CanActivateFn } from '@angular/router';

/** The provider, client and API every app of the size benchmark is configured for. */
export const ISSUER = 'https://login.example.com/';
export const CLIENT_ID = 'Xk7pQ2mN9vR4tY8wZ3bC6dF1gH5jL0sA';
export const API_ORIGIN = 'https://api.example.com';

/** What the app's navbar needs from an auth library: the only thing that differs between the apps. */
export interface AuthView {
  readonly signedIn: () => boolean;
  login(): void;
  logout(): void;
}

/** What each library's `auth.ts` exports. */
export interface AuthWiring {
  /** `provideHttpClient(...)` with the library's interceptor for {@link API_ORIGIN}, and the library itself. */
  readonly providers: (Provider | EnvironmentProviders)[];
  /** Guards the `/account` route. */
  readonly guard: CanActivateFn;
  /** Called in the navbar's injection context. */
  readonly injectView: () => AuthView;
}
