import { isPlatformBrowser } from '@angular/common';
import { inject, PLATFORM_ID } from '@angular/core';
import { Router, type CanActivateFn, type CanMatchFn, type UrlTree } from '@angular/router';
import { Auth } from './auth';

/** The last URL each app's guard let through, and whether that app already watches for sign-out. */
const guardedUrl = new WeakMap<Router, string>();

/**
 * When the session ends while a guarded page is on screen (logout here or in another tab, expiry,
 * idle), leaves it for `/`: the page is not shown signed out. It never starts a sign-in by itself.
 */
function leaveGuardedPageOnSignOut(router: Router, auth: Auth): void {
  if (guardedUrl.has(router)) return;
  auth.authenticated$.subscribe((authenticated) => {
    if (!authenticated && router.url === guardedUrl.get(router) && router.url !== '/') void router.navigateByUrl('/');
  });
}

/**
 * Lets signed-in users through; sends the others to sign in, with `returnTo` set so they land back
 * on the page they asked for. Use it as `canActivate` or `canMatch`. When the session ends while a
 * guarded page is shown, the app leaves it for `/`.
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
  const navigation = router.currentNavigation();
  const target = navigation?.finalUrl ?? navigation?.extractedUrl;
  const targetUrl = target ? router.serializeUrl(target) : router.url;
  if (auth.authenticated()) {
    leaveGuardedPageOnSignOut(router, auth);
    guardedUrl.set(router, targetUrl);
    return true;
  }
  if (auth.error()) return router.parseUrl('/');
  await auth.login({ returnTo: targetUrl });
  return false;
};
