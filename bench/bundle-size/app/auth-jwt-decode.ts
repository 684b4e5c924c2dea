// The tutorial hand-written over jwt-decode: decode on every check, attach the stored token to the API.
// No sign-in protocol (the tutorial used the Lock widget for that), so Log In does nothing here.
import { provideHttpClient, withInterceptors } from '@angular/common/http';
import { jwtDecode } from 'jwt-decode';
import { API_ORIGIN, type AuthWiring } from './auth-view';

function tokenNotExpired(): boolean {
  const token = localStorage.getItem('id_token');
  if (!token) return false;
  try {
    const { exp } = jwtDecode(token);
    return exp === undefined || exp * 1000 > Date.now();
  } catch {
    return false;
  }
}

export const auth: AuthWiring = {
  providers: [
    provideHttpClient(
      withInterceptors([
        (request, next) => {
          const token = localStorage.getItem('id_token');
          if (!token || !request.url.startsWith(`${API_ORIGIN}/`)) return next(request);
          return next(request.clone({ setHeaders: { Authorization: `Bearer ${token}` } }));
        },
      ]),
    ),
  ],
  guard: () => tokenNotExpired(),
  injectView: () => ({ signedIn: tokenNotExpired, login: () => undefined, logout: () => localStorage.removeItem('id_token') }),
};
