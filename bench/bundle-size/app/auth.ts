// The baseline: the same app with no auth library (a guard that lets everyone in, no interceptor).
import { provideHttpClient } from '@angular/common/http';
import { signal } from '@angular/core';
import type { AuthWiring } from './auth-view';

export const auth: AuthWiring = {
  providers: [provideHttpClient()],
  guard: () => true,
  injectView: () => {
    const signedIn = signal(false);
    return { signedIn, login: () => signedIn.set(true), logout: () => signedIn.set(false) };
  },
};
