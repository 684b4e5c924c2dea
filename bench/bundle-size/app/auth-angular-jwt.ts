// The tutorial's stack with angular-jwt: the token helper and its interceptor. It has no sign-in
// protocol (the tutorial used the Lock widget for that), so Log In does nothing here.
import { provideHttpClient, withInterceptorsFromDi } from '@angular/common/http';
import { importProvidersFrom, inject } from '@angular/core';
import { JwtHelperService, JwtModule } from '@auth0/angular-jwt';
import { API_ORIGIN, type AuthWiring } from './auth-view';

export const auth: AuthWiring = {
  providers: [
    provideHttpClient(withInterceptorsFromDi()),
    importProvidersFrom(
      JwtModule.forRoot({ config: { tokenGetter: () => localStorage.getItem('id_token'), allowedDomains: [new URL(API_ORIGIN).host] } }),
    ),
  ],
  guard: () => !inject(JwtHelperService).isTokenExpired(),
  injectView: () => {
    const jwt = inject(JwtHelperService);
    return {
      signedIn: () => !jwt.isTokenExpired(),
      login: () => undefined,
      logout: () => localStorage.removeItem('id_token'),
    };
  },
};
