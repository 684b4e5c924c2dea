import { isPlatformBrowser } from '@angular/common';
import { inject, PLATFORM_ID } from '@angular/core';
import { RedirectCommand, Router, type ActivatedRouteSnapshot, type CanActivateFn, type CanMatchFn } from '@angular/router';
import { Auth } from './auth';

/** The last URL each app's guard let through, and whether that app already watches for sign-out. */
const guardedUrl = new WeakMap<Router, string>();

/**
 * Marks the guard's own navigations to `/`. When `/` is guarded too (an app that is all behind
 * sign-in, or whose `/` redirects to a guarded page), the guard refuses that navigation instead of
 * redirecting again, or starting a sign-in: no loop, and the app shell shows Log In and the error.
 */
const LEFT_BY_GUARD = 'ɵlatchkeyLeftByGuard';
/** The apps whose guard refused its own navigation to `/` last (so `/` is guarded there too). */
const refusedHome = new WeakSet<Router>();
const leaveForHome = (router: Router) => new RedirectCommand(router.parseUrl('/'), { state: { [LEFT_BY_GUARD]: true } });

/**
 * When the session ends while a guarded page is on screen (logout here or in another tab, expiry,
 * idle), leaves it for `/`: the page is not shown signed out. Where `/` is guarded too (an app all
 * behind sign-in) there is nowhere to leave for, so it signs in again, returning to the page.
 */
function leaveGuardedPageOnSignOut(router: Router, auth: Auth): void {
  if (guardedUrl.has(router)) return;
  auth.authenticated$.subscribe((authenticated) => {
    const page = router.url;
    if (authenticated || page !== guardedUrl.get(router)) return;
    refusedHome.delete(router);
    const left = page === '/' ? Promise.resolve(false) : router.navigateByUrl('/', { state: { [LEFT_BY_GUARD]: true } });
    void left.then((ok) => {
      // Signs in only where `/` is guarded too; a page that would not be left (canDeactivate) stays.
      const homeGuarded = page === '/' || refusedHome.has(router) || (ok && behindGuard(router.routerState.snapshot.root));
      if (homeGuarded) void auth.login({ returnTo: page });
    });
  });
}

/** Whether the page shown is behind `authGuard` (on its route or any parent). */
function behindGuard(route: ActivatedRouteSnapshot | null): boolean {
  for (; route; route = route.firstChild) {
    const config = route.routeConfig;
    if ([config?.canActivate, config?.canMatch, config?.canActivateChild].some((guards) => guards?.includes(authGuard))) return true;
  }
  return false;
}

/**
 * Lets signed-in users through; sends the others to sign in, with `returnTo` set so they land back
 * on the page they asked for. Use it as `canActivate` or `canMatch`. When the session ends while a
 * guarded page is shown, the app leaves it for `/` (and signs in again where `/` is guarded too).
 *
 * It never loops: the redirect back from the provider is handled before the router runs (it is never
 * a guarded route), and while a sign-in failure is shown (`auth.error()`) it does not start another
 * sign-in but sends the user to `/`, where the app shows the error. Where `/` is guarded too, it
 * refuses its own navigation there instead (the app shell still shows Log In and the error).
 */
export const authGuard: CanActivateFn & CanMatchFn = async (): Promise<boolean | RedirectCommand> => {
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
  if (navigation?.extras.state?.[LEFT_BY_GUARD]) {
    refusedHome.add(router);
    return false;
  }
  if (auth.error()) return leaveForHome(router);
  await auth.login({ returnTo: targetUrl });
  return false;
};
