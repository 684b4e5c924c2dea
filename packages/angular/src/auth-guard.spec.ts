import { ApplicationInitStatus, Component, provideZonelessChangeDetection } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { NavigationStart, provideRouter, Router, type Routes } from '@angular/router';
import { LatchkeyError } from '@latchkey/core';
import { provideLatchkeyTesting, TestingSession } from '../testing/src';
import { authGuard } from './auth-guard';

@Component({ selector: 'lk-page', template: 'page' })
class Page {}

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
});
