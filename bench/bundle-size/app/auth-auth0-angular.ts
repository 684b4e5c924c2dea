import { provideHttpClient, withInterceptors } from '@angular/common/http';
import { inject } from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import { authGuardFn, authHttpInterceptorFn, AuthService, provideAuth0 } from '@auth0/auth0-angular';
import { API_ORIGIN, CLIENT_ID, type AuthWiring } from './auth-view';

export const auth: AuthWiring = {
  providers: [
    provideHttpClient(withInterceptors([authHttpInterceptorFn])),
    provideAuth0({
      domain: 'login.example.com',
      clientId: CLIENT_ID,
      authorizationParams: { redirect_uri: window.location.origin },
      httpInterceptor: { allowedList: [`${API_ORIGIN}/*`] },
    }),
  ],
  guard: authGuardFn,
  injectView: () => {
    const service = inject(AuthService);
    return {
      signedIn: toSignal(service.isAuthenticated$, { initialValue: false }),
      login: () => void service.loginWithRedirect().subscribe(),
      logout: () => void service.logout({ logoutParams: { returnTo: window.location.origin } }).subscribe(),
    };
  },
};
