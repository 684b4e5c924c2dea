import { provideHttpClient, withInterceptors } from '@angular/common/http';
import { inject, Injectable, provideAppInitializer, signal } from '@angular/core';
import { UserManager, type User } from 'oidc-client-ts';
import { API_ORIGIN, CLIENT_ID, ISSUER, type AuthWiring } from './auth-view';

/** oidc-client-ts is framework-free: the service, guard and interceptor an Angular app writes around it. */
@Injectable({ providedIn: 'root' })
class OidcAuth {
  readonly manager = new UserManager({
    authority: ISSUER,
    client_id: CLIENT_ID,
    redirect_uri: `${window.location.origin}/`,
    post_logout_redirect_uri: `${window.location.origin}/`,
    scope: 'openid profile email offline_access',
    automaticSilentRenew: true,
  });
  readonly user = signal<User | null>(null);

  constructor() {
    this.manager.events.addUserLoaded((user) => this.user.set(user));
    this.manager.events.addUserUnloaded(() => this.user.set(null));
    this.manager.events.addAccessTokenExpired(() => this.user.set(null));
  }

  async start(): Promise<void> {
    if (new URLSearchParams(window.location.search).has('code')) await this.manager.signinRedirectCallback();
    this.user.set(await this.manager.getUser());
  }
}

export const auth: AuthWiring = {
  providers: [
    provideHttpClient(
      withInterceptors([
        (request, next) => {
          const token = inject(OidcAuth).user()?.access_token;
          if (!token || !request.url.startsWith(`${API_ORIGIN}/`)) return next(request);
          return next(request.clone({ setHeaders: { Authorization: `Bearer ${token}` } }));
        },
      ]),
    ),
    provideAppInitializer(() => inject(OidcAuth).start()),
  ],
  guard: () => {
    const oidc = inject(OidcAuth);
    if (oidc.user() && !oidc.user()?.expired) return true;
    void oidc.manager.signinRedirect();
    return false;
  },
  injectView: () => {
    const oidc = inject(OidcAuth);
    return {
      signedIn: () => !!oidc.user() && !oidc.user()?.expired,
      login: () => void oidc.manager.signinRedirect(),
      logout: () => void oidc.manager.signoutRedirect(),
    };
  },
};
