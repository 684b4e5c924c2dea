import { isPlatformBrowser } from '@angular/common';
import { inject, PLATFORM_ID } from '@angular/core';
import {
  RedirectCommand,
  Router,
  type ActivatedRouteSnapshot,
  type CanActivateChildFn,
  type CanActivateFn,
  type CanMatchFn,
  type Route,
} from '@angular/router';
import { LatchkeyConfigError, type UserClaims } from '@latchkey/core';
import { Auth } from './auth';

/** What {@link authGuardWith} does with a user it does not let through. */
export interface AuthGuardOptions {
  /**
   * Where a signed-out user goes: `'login'` (the default) starts a sign-in that returns to the page; a
   * URL (`'/welcome'`) navigates there instead, with no sign-in.
   */
  readonly signedOut?: 'login' | string;
  /**
   * Lets a signed-in user through only when it returns true for the ID token's claims (roles, groups,
   * `email_verified`, …). Claims decide what the page shows, not what the API allows: the API checks the
   * access token itself.
   */
  readonly allow?: (user: UserClaims) => boolean;
  /** Where a signed-in user whom `allow` refuses goes (a URL). Default: nowhere, the navigation is refused. */
  readonly refused?: string;
}

type Guard = CanActivateFn & CanMatchFn & CanActivateChildFn;

/**
 * The routes whose guard ran, by their config: a page is "guarded" when a route on its path is, however
 * the guard was given (alone, wrapped in another guard, or composed with others).
 */
const guardedRoutes = new WeakSet<Route>();
/** The apps that already leave guarded pages on sign-out. */
const watching = new WeakSet<Router>();

/**
 * Marks the guard's own navigations to `/`. When `/` is guarded too (an app that is all behind
 * sign-in, or whose `/` redirects to a guarded page), the guard refuses that navigation instead of
 * redirecting again, or starting a sign-in: no loop, and the app shell shows Log In and the error.
 */
const LEFT_BY_GUARD = 'ɵlatchkeyLeftByGuard';
/** The apps whose guard refused its own navigation to `/` last (so `/` is guarded there too). */
const refusedHome = new WeakSet<Router>();
const leaveForHome = (router: Router) => new RedirectCommand(router.parseUrl('/'), { state: { [LEFT_BY_GUARD]: true } });

/** Whether the page shown is behind a guard that ran (on its route or any parent). */
function behindGuard(route: ActivatedRouteSnapshot | null): boolean {
  for (; route; route = route.firstChild) if (route.routeConfig && guardedRoutes.has(route.routeConfig)) return true;
  return false;
}

/**
 * When the session ends while a guarded page is on screen (logout here or in another tab, expiry,
 * idle), leaves it for `/`: the page is not shown signed out. Where `/` is guarded too (an app all
 * behind sign-in) there is nowhere to leave for, so it signs in again, returning to the page.
 */
function leaveGuardedPageOnSignOut(router: Router, auth: Auth): void {
  if (watching.has(router)) return;
  watching.add(router);
  auth.authenticated$.subscribe((authenticated) => {
    if (authenticated || !behindGuard(router.routerState.snapshot.root)) return;
    const page = router.url;
    refusedHome.delete(router);
    const left = page === '/' ? Promise.resolve(false) : router.navigateByUrl('/', { state: { [LEFT_BY_GUARD]: true } });
    void left.then((ok) => {
      // Signs in only where `/` is guarded too; a page that would not be left (canDeactivate) stays.
      const homeGuarded = page === '/' || refusedHome.has(router) || (ok && behindGuard(router.routerState.snapshot.root));
      if (homeGuarded) void auth.login({ returnTo: page });
    });
  });
}

/** The route a guard was called for: a `Route` (canMatch) or a snapshot (canActivate, canActivateChild). */
function routeOf(route: Route | ActivatedRouteSnapshot | undefined): Route | null {
  if (!route) return null;
  return 'routeConfig' in route ? route.routeConfig : route;
}

function checkOptions(options: AuthGuardOptions): void {
  const url = (name: string, value: unknown) => {
    if (typeof value !== 'string' || !value.startsWith('/')) {
      throw new LatchkeyConfigError(`authGuardWith(): "${name}" must be a URL of the app starting with "/", got ${JSON.stringify(value)}.`);
    }
  };
  if (options.signedOut !== undefined && options.signedOut !== 'login') url('signedOut', options.signedOut);
  if (options.refused !== undefined) url('refused', options.refused);
  if (options.allow !== undefined && typeof options.allow !== 'function') {
    throw new LatchkeyConfigError('authGuardWith(): "allow" must be a function of the user\'s claims.');
  }
}

/**
 * {@link authGuard} with options: where a signed-out user goes (a sign-in, or a page of the app), and a
 * predicate on the user's claims with where a refused user goes.
 *
 * @example
 * ```ts
 * { path: 'admin', component: Admin, canActivate: [authGuardWith({ allow: (user) => [user['roles']].flat().includes('admin'), refused: '/forbidden' })] }
 * ```
 * @throws LatchkeyConfigError for a `signedOut` or `refused` that is not a URL of the app (`/…`), in development
 */
export function authGuardWith(options: AuthGuardOptions = {}): Guard {
  // A mistake of the app's code, found in development (as Angular's own providers check theirs).
  if (ngDevMode) checkOptions(options);
  return async (route?: Route | ActivatedRouteSnapshot): Promise<boolean | RedirectCommand> => {
    const router = inject(Router);
    // The server cannot see the browser's session: a guarded route renders on the client only.
    if (!isPlatformBrowser(inject(PLATFORM_ID))) return false;
    const config = routeOf(route);
    if (config) guardedRoutes.add(config);
    const auth = inject(Auth);
    await auth.ready();
    const navigation = router.currentNavigation();
    const target = navigation?.finalUrl ?? navigation?.extractedUrl;
    const targetUrl = target ? router.serializeUrl(target) : router.url;
    const user = auth.user();
    if (auth.authenticated() && user) {
      leaveGuardedPageOnSignOut(router, auth);
      if (!options.allow || options.allow(user)) return true;
      return options.refused === undefined ? false : new RedirectCommand(router.parseUrl(options.refused));
    }
    if (navigation?.extras.state?.[LEFT_BY_GUARD]) {
      refusedHome.add(router);
      return false;
    }
    if (options.signedOut !== undefined && options.signedOut !== 'login') return new RedirectCommand(router.parseUrl(options.signedOut));
    if (auth.error()) return leaveForHome(router);
    await auth.login({ returnTo: targetUrl });
    return false;
  };
}

/**
 * Lets signed-in users through; sends the others to sign in, with `returnTo` set so they land back
 * on the page they asked for. Use it as `canActivate`, `canActivateChild` or `canMatch`, alone or
 * inside a guard of your own. When the session ends while a guarded page is shown, the app leaves it for
 * `/` (and signs in again where `/` is guarded too). {@link authGuardWith} takes options.
 *
 * It never loops: the redirect back from the provider is handled before the router runs (it is never
 * a guarded route), and while a sign-in failure is shown (`auth.error()`) it does not start another
 * sign-in but sends the user to `/`, where the app shows the error. Where `/` is guarded too, it
 * refuses its own navigation there instead (the app shell still shows Log In and the error).
 */
export const authGuard: Guard = authGuardWith();

/** The routes {@link signedInMatch} guards, and the apps that watch the session for them. */
const variantRoutes = new WeakSet<Route>();
const watchingVariants = new WeakSet<Router>();

/** Whether the page shown is one of a path's variants: a route of signedInMatch, or a sibling with its path. */
function onVariantPage(router: Router): boolean {
  let siblings: readonly Route[] | undefined = router.config;
  for (let route = router.routerState.snapshot.root.firstChild; route; route = route.firstChild) {
    const config = route.routeConfig;
    if (config && (variantRoutes.has(config) || siblings?.some((other) => variantRoutes.has(other) && other.path === config.path)))
      return true;
    siblings = config?.children;
  }
  return false;
}

/**
 * A `canMatch` that matches while signed in and never starts a sign-in, for a path with a signed-in and
 * a signed-out variant: list the signed-in route with it first, the signed-out one after (same path).
 * When the session starts or ends (in this tab or another) on such a page, the page is matched again.
 *
 * @example
 * ```ts
 * { path: '', component: Dashboard, canMatch: [signedInMatch] },
 * { path: '', component: Welcome },
 * ```
 */
export const signedInMatch: CanMatchFn = async (route: Route): Promise<boolean> => {
  if (!isPlatformBrowser(inject(PLATFORM_ID))) return false;
  const router = inject(Router);
  const auth = inject(Auth);
  variantRoutes.add(route);
  await auth.ready();
  if (!watchingVariants.has(router)) {
    watchingVariants.add(router);
    // From the state now: the observable's first value may come after a change it would hide.
    let last = auth.authenticated();
    auth.authenticated$.subscribe((authenticated) => {
      if (authenticated === last) return;
      last = authenticated;
      if (onVariantPage(router)) void router.navigateByUrl(router.url, { onSameUrlNavigation: 'reload' });
    });
  }
  return auth.authenticated();
};
