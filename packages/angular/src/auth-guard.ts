import { isPlatformBrowser } from '@angular/common';
import { inject, PLATFORM_ID } from '@angular/core';
import { Router, type CanActivateFn, type CanMatchFn, type UrlTree } from '@angular/router';
import { Auth } from './auth';

/**
 * Lets signed-in users through; sends the others to sign in, with `returnTo` set so they land back
 * on the page they asked for. Use it as `canActivate` or `canMatch`.
 *
 * It never loops: the redirect back from the provider is handled before the router runs (it is never
 * a guarded route), and while a sign-in failure is shown (`auth.error()`) it does not start another
 * sign-in but sends the user to `/`, where the app shows the error.
 */
export const authGuard: CanActivateFn & CanMatchFn = async (): Promise<boolean | UrlTree> => {
  const router = inject(Router);
  // The server cannot see the browser's session: a guarded route renders on the client only.
  if (!isPlatformBrowser(inject(PLATFORM_ID))) return false;
  const auth = inject(Auth);
  await auth.ready();
  if (auth.authenticated()) return true;
  if (auth.error()) return router.parseUrl('/');
  const target = router.currentNavigation()?.finalUrl ?? router.currentNavigation()?.extractedUrl;
  await auth.login({ returnTo: target ? router.serializeUrl(target) : router.url });
  return false;
};
