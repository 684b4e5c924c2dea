import { ApplicationInitStatus, Component, provideZonelessChangeDetection } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { provideRouter, Router } from '@angular/router';
import { LatchkeyError } from '@latchkey/core';
import { provideLatchkeyTesting, TestingSession } from '../testing/src';
import { authGuard } from './auth-guard';

@Component({ selector: 'lk-page', template: 'page' })
class Page {}

async function setUp(user: { sub: string } | null, kind: 'canActivate' | 'canMatch' = 'canActivate') {
  TestBed.configureTestingModule({
    providers: [
      provideZonelessChangeDetection(),
      provideRouter([
        { path: '', component: Page },
        { path: 'profile', component: Page, [kind]: [authGuard] },
        { path: '**', redirectTo: '' },
      ]),
      provideLatchkeyTesting({ user }),
    ],
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

  it('never starts another sign-in while a sign-in failure is shown', async () => {
    const { router, session } = await setUp(null);
    session.setState({ error: new LatchkeyError('LATCHKEY_ACCESS_DENIED', 'cancelled') });
    await router.navigateByUrl('/profile');
    expect(router.url).toBe('/');
    expect(session.logins).toEqual([]);
  });
});
