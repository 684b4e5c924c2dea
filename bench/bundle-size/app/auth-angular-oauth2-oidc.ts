import { provideHttpClient, withInterceptorsFromDi } from '@angular/common/http';
import { inject, provideAppInitializer } from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import { OAuthService, provideOAuthClient } from 'angular-oauth2-oidc';
import { map } from 'rxjs';
import { API_ORIGIN, CLIENT_ID, ISSUER, type AuthWiring } from './auth-view';

export const auth: AuthWiring = {
  providers: [
    // Its interceptor is a class registered with HTTP_INTERCEPTORS.
    provideHttpClient(withInterceptorsFromDi()),
    provideOAuthClient({ resourceServer: { allowedUrls: [API_ORIGIN], sendAccessToken: true } }),
    provideAppInitializer(() => {
      const oauth = inject(OAuthService);
      oauth.configure({
        issuer: ISSUER,
        clientId: CLIENT_ID,
        redirectUri: `${window.location.origin}/`,
        responseType: 'code',
        scope: 'openid profile email offline_access',
      });
      oauth.setupAutomaticSilentRefresh();
      return oauth.loadDiscoveryDocumentAndTryLogin();
    }),
  ],
  // The library has no guard: the one its documentation shows.
  guard: () => {
    const oauth = inject(OAuthService);
    if (oauth.hasValidAccessToken()) return true;
    oauth.initCodeFlow();
    return false;
  },
  injectView: () => {
    const oauth = inject(OAuthService);
    return {
      signedIn: toSignal(oauth.events.pipe(map(() => oauth.hasValidIdToken())), { initialValue: oauth.hasValidIdToken() }),
      login: () => oauth.initCodeFlow(),
      logout: () => oauth.logOut(),
    };
  },
};
