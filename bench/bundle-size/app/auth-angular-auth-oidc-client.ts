import { provideHttpClient, withInterceptors } from '@angular/common/http';
import { computed, inject } from '@angular/core';
import {
  authInterceptor,
  autoLoginPartialRoutesGuard,
  OidcSecurityService,
  provideAuth,
  withAppInitializerAuthCheck,
} from 'angular-auth-oidc-client';
import { API_ORIGIN, CLIENT_ID, ISSUER, type AuthWiring } from './auth-view';

export const auth: AuthWiring = {
  providers: [
    provideHttpClient(withInterceptors([authInterceptor()])),
    provideAuth(
      {
        config: {
          authority: ISSUER,
          clientId: CLIENT_ID,
          redirectUrl: window.location.origin,
          postLogoutRedirectUri: window.location.origin,
          scope: 'openid profile email offline_access',
          responseType: 'code',
          silentRenew: true,
          useRefreshToken: true,
          secureRoutes: [`${API_ORIGIN}/`],
        },
      },
      withAppInitializerAuthCheck(),
    ),
  ],
  guard: (route, state) => autoLoginPartialRoutesGuard(route, state),
  injectView: () => {
    const oidc = inject(OidcSecurityService);
    return {
      signedIn: computed(() => oidc.authenticated().isAuthenticated),
      login: () => oidc.authorize(),
      logout: () => void oidc.logoff().subscribe(),
    };
  },
};
