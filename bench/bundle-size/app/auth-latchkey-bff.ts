// BFF mode (@latchkey/bff on the app's server): the browser holds one HttpOnly cookie and never a token, so
// the interceptor adds the CSRF header to the app's own `/bff/` requests (its API proxy included) and nothing else.
import { provideHttpClient, withInterceptors } from '@angular/common/http';
import { inject } from '@angular/core';
import { Auth, authGuard, authInterceptor, provideLatchkeyBff } from '@latchkey/angular';
import type { AuthWiring } from './auth-view';

export const auth: AuthWiring = {
  providers: [provideHttpClient(withInterceptors([authInterceptor])), provideLatchkeyBff({ baseUrl: '/bff' })],
  guard: authGuard,
  injectView: () => {
    const session = inject(Auth);
    return { signedIn: session.authenticated, login: () => void session.login(), logout: () => void session.logout() };
  },
};
