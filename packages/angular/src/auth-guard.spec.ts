import { ApplicationInitStatus, Component, provideZonelessChangeDetection } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { NavigationStart, provideRouter, Router, type Routes } from '@angular/router';
import { LatchkeyError } from '@latchkey/core';
import { provideLatchkeyTesting, TestingSession } from '../testing/src';
import { LatchkeyConfigError, type UserClaims } from '@latchkey/core';
import { authGuard, authGuardWith, signedInMatch } from './auth-guard';

@Component({ selector: 'lk-page', template: 'page' })
class Page {}
@Component({ selector: 'lk-dashboard', template: 'dashboard' })
class Dashboard {}
@Component({ selector: 'lk-welcome', template: 'welcome' })
class Welcome {}

/** Lets the session's change reach the router (the guard's subscriptions navigate). */
const settle = async () => {
  TestBed.tick();
  await new Promise((resolve) => setTimeout(resolve, 20));
};
/** The component the router shows for the current URL. */
const shown = (router: Router) => {
  let route = router.routerState.snapshot.root;
  while (route.firstChild) route = route.firstChild;
  return route.routeConfig?.component;
};

const routesWithOpenHome = (kind: 'canActivate' | 'canMatch'): Routes => [
  { path: '', component: Page },
  { path: 'profile', component: Page, [kind]: [authGuard] },
  { path: '**', redirectTo: '' },
];

async function setUp(user: { sub: string } | null, kind: 'canActivate' | 'canMatch' = 'canActivate', routes = routesWithOpenHome(kind)) {
  TestBed.configureTestingModule({
    providers: [provideZonelessChangeDetection(), provideRouter(routes), provideLatchkeyTesting({ user })],
  });
  await TestBed.inject(ApplicationInitStatus).donePromise;
  return { router: TestBed.inject(Router), session: TestBed.inject(TestingSession) };
}

describe('authGuard', () => {
  it.each(['canActivate', 'canMatch'] as const)('lets a signed-in user through (%s)', async (kind) => {
    const { router, session } = await setUp({ sub: 'alice' }, kind);
    expect(await router.navigateByUrl('/profile')).toBe(true);
    expect(router.url).toBe('/profile');
    expect(session.logins).toEqual([]);
  });

  it.each(['canActivate', 'canMatch'] as const)('sends a signed-out user to sign in with returnTo (%s)', async (kind) => {
    const { router, session } = await setUp(null, kind);
    await router.navigateByUrl('/profile?tab=keys#top');
    expect(router.url).not.toContain('profile');
    expect(session.logins).toEqual([{ returnTo: '/profile?tab=keys#top' }]);
  });

  it('leaves a guarded page for / when the session ends there, without starting a sign-in', async () => {
    const { router, session } = await setUp({ sub: 'alice' });
    await router.navigateByUrl('/profile');
    expect(router.url).toBe('/profile');
    await session.logout();
    TestBed.tick();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(router.url).toBe('/');
    expect(session.logins).toEqual([]);
  });

  it('a guarded page that will not be left (canDeactivate) stays when the session ends: no sign-in', async () => {
    const { router, session } = await setUp({ sub: 'alice' }, 'canActivate', [
      { path: '', component: Page },
      { path: 'edit', component: Page, canActivate: [authGuard], canDeactivate: [() => false] },
    ]);
    await router.navigateByUrl('/edit');
    await session.logout();
    TestBed.tick();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(router.url).toBe('/edit');
    expect(session.logins).toEqual([]);
  });

  it('never starts another sign-in while a sign-in failure is shown', async () => {
    const { router, session } = await setUp(null);
    session.setState({ error: new LatchkeyError('LATCHKEY_ACCESS_DENIED', 'cancelled') });
    await router.navigateByUrl('/profile');
    expect(router.url).toBe('/');
    expect(session.logins).toEqual([]);
  });

  // An app all behind sign-in: `/` guarded itself, or `/` redirecting to a guarded page.
  const allGuarded: Record<string, Routes> = {
    'a guarded /': [
      {
        path: '',
        canActivate: [authGuard],
        children: [
          { path: 'profile', component: Page },
          { path: '', component: Page },
        ],
      },
    ],
    '/ redirecting to a guarded page': [
      { path: '', pathMatch: 'full', redirectTo: 'home' },
      { path: 'home', component: Page, canActivate: [authGuard] },
      { path: 'profile', component: Page, canActivate: [authGuard] },
    ],
  };

  it.each(Object.keys(allGuarded))('with %s and a sign-in failure shown, goes to / once and stops there', async (name) => {
    const { router, session } = await setUp(null, 'canActivate', allGuarded[name]);
    session.setState({ error: new LatchkeyError('LATCHKEY_ACCESS_DENIED', 'cancelled') });
    let navigations = 0;
    router.events.subscribe((event) => {
      if (!(event instanceof NavigationStart)) return;
      // Were it to loop, the error is cleared after a few rounds so the test fails instead of hanging.
      if (++navigations > 5) session.setState({ error: null });
    });
    await router.navigateByUrl('/profile');
    await new Promise((resolve) => setTimeout(resolve, 50));
    // The navigation to /profile, and the guard's one to / (refused there): no loop, no sign-in.
    expect(navigations).toBe(2);
    expect(session.logins).toEqual([]);
  });

  it.each(Object.keys(allGuarded))(
    'with %s, a session that ends on a page signs in again to it: there is no page to leave for',
    async (name) => {
      const { router, session } = await setUp({ sub: 'alice' }, 'canActivate', allGuarded[name]);
      await router.navigateByUrl('/profile');
      expect(router.url).toBe('/profile');
      await session.logout();
      TestBed.tick();
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(session.logins).toEqual([{ returnTo: '/profile' }]);
    },
  );

  it('leaves a guarded page on sign-out after its query changed (the guard did not run again)', async () => {
    const { router, session } = await setUp({ sub: 'alice' });
    await router.navigateByUrl('/profile');
    await router.navigateByUrl('/profile?tab=keys');
    expect(router.url).toBe('/profile?tab=keys');
    await session.logout();
    await settle();
    expect(router.url).toBe('/');
    expect(session.logins).toEqual([]);
  });

  it.each([
    ['wrapped in a guard of its own', [(...args: Parameters<typeof authGuard>) => authGuard(...args)]],
    ['composed with another guard', [() => true, authGuard]],
  ])('recognises a guarded page when the guard is %s: sign-out leaves it', async (_name, guards) => {
    const { router, session } = await setUp({ sub: 'alice' }, 'canActivate', [
      { path: '', component: Page },
      { path: 'profile', component: Page, canActivate: guards as never },
    ]);
    await router.navigateByUrl('/profile');
    expect(router.url).toBe('/profile');
    await session.logout();
    await settle();
    expect(router.url).toBe('/');
  });
});

describe('authGuardWith', () => {
  const withGuard = (guard: ReturnType<typeof authGuardWith>): Routes => [
    { path: '', component: Page },
    { path: 'welcome', component: Welcome },
    { path: 'forbidden', component: Page },
    { path: 'admin', component: Dashboard, canActivate: [guard] },
  ];
  const isAdmin = (user: UserClaims) => [user['roles']].flat().includes('admin');

  it('sends a signed-out user to its signedOut page, with no sign-in', async () => {
    const { router, session } = await setUp(null, 'canActivate', withGuard(authGuardWith({ signedOut: '/welcome' })));
    await router.navigateByUrl('/admin');
    expect(router.url).toBe('/welcome');
    expect(session.logins).toEqual([]);
  });

  it('lets through the users whose claims allow says yes to, and sends the others to refused', async () => {
    const routes = withGuard(authGuardWith({ allow: isAdmin, refused: '/forbidden' }));
    const admin = await setUp({ sub: 'alice', roles: ['admin'] } as never, 'canActivate', routes);
    expect(await admin.router.navigateByUrl('/admin')).toBe(true);
    expect(admin.router.url).toBe('/admin');
    TestBed.resetTestingModule();
    const user = await setUp({ sub: 'bob', roles: ['user'] } as never, 'canActivate', routes);
    await user.router.navigateByUrl('/admin');
    expect(user.router.url).toBe('/forbidden');
    expect(user.session.logins).toEqual([]);
  });

  it('without refused, a refused user stays where they were (the navigation is refused)', async () => {
    const { router, session } = await setUp({ sub: 'bob' }, 'canActivate', withGuard(authGuardWith({ allow: isAdmin })));
    await router.navigateByUrl('/');
    expect(await router.navigateByUrl('/admin')).toBe(false);
    expect(router.url).toBe('/');
    expect(session.logins).toEqual([]);
  });

  it('a signed-out user still signs in first by default, and allow decides after', async () => {
    const { router, session } = await setUp(null, 'canActivate', withGuard(authGuardWith({ allow: isAdmin, refused: '/forbidden' })));
    await router.navigateByUrl('/admin');
    expect(session.logins).toEqual([{ returnTo: '/admin' }]);
  });

  it.each([
    [{ signedOut: 'welcome' }, /"signedOut" must be a URL of the app/],
    [{ signedOut: 'https://evil.example/' }, /"signedOut" must be a URL of the app/],
    [{ refused: 'forbidden' }, /"refused" must be a URL of the app/],
    [{ allow: 'admin' }, /"allow" must be a function/],
  ])('refuses options %j with a LatchkeyConfigError', (options, message) => {
    expect(() => authGuardWith(options as never)).toThrow(LatchkeyConfigError);
    expect(() => authGuardWith(options as never)).toThrow(message);
  });
});

describe('signedInMatch', () => {
  const variants: Routes = [
    { path: '', component: Dashboard, canMatch: [signedInMatch] },
    { path: '', component: Welcome },
    { path: 'about', component: Page },
  ];

  it('matches the signed-in variant while signed in, the other one signed out, and never starts a sign-in', async () => {
    const { router, session } = await setUp(null, 'canMatch', variants);
    await router.navigateByUrl('/');
    expect(shown(router)).toBe(Welcome);
    expect(session.logins).toEqual([]);
    TestBed.resetTestingModule();
    const signedIn = await setUp({ sub: 'alice' }, 'canMatch', variants);
    await signedIn.router.navigateByUrl('/');
    expect(shown(signedIn.router)).toBe(Dashboard);
  });

  it('matches the page again when the session starts or ends (here or in another tab)', async () => {
    const { router, session } = await setUp(null, 'canMatch', variants);
    await router.navigateByUrl('/');
    expect(shown(router)).toBe(Welcome);
    await session.login();
    await settle();
    expect(shown(router)).toBe(Dashboard);
    await session.logout();
    await settle();
    expect(shown(router)).toBe(Welcome);
    expect(router.url).toBe('/');
  });

  it('leaves other pages alone when the session changes', async () => {
    const { router, session } = await setUp({ sub: 'alice' }, 'canMatch', variants);
    await router.navigateByUrl('/');
    await router.navigateByUrl('/about');
    let navigations = 0;
    router.events.subscribe((event) => void (event instanceof NavigationStart && navigations++));
    await session.logout();
    await settle();
    expect(router.url).toBe('/about');
    expect(navigations).toBe(0);
  });
});
