import { provideHttpClient, withInterceptors } from '@angular/common/http';
import { inject } from '@angular/core';
import { Auth, authGuard, authInterceptor, provideLatchkey, withTokenFor } from '@latchkey/angular';
import { API_ORIGIN, CLIENT_ID, ISSUER, type AuthWiring } from './auth-view';

export const auth: AuthWiring = {
  providers: [
    provideHttpClient(withInterceptors([authInterceptor])),
    provideLatchkey({ issuer: ISSUER, clientId: CLIENT_ID }, withTokenFor([API_ORIGIN])),
  ],
  guard: authGuard,
  injectView: () => {
    const session = inject(Auth);
    return { signedIn: session.authenticated, login: () => void session.login(), logout: () => void session.logout() };
  },
};
