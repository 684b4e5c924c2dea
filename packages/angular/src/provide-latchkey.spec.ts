import { Component, inject, provideZonelessChangeDetection, ApplicationInitStatus } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { provideLatchkeyTesting, TestingSession } from '../testing/src';
import { Auth } from './auth';
import { provideLatchkey, withIdleTimeout, withSessionWarning, withStore, withTokenFor } from './provide-latchkey';
import { memoryStore } from '@latchkey/core';

describe('provideLatchkey features', () => {
  it.each([
    ['an allowed origin without a scheme', () => withTokenFor(['api.example.com'])],
    ['a zero idle timeout', () => withIdleTimeout({ minutes: 0 })],
    ['a negative warning', () => withSessionWarning({ beforeSeconds: -1 })],
    [
      'the same feature twice',
      () => provideLatchkey({ issuer: 'https://op.example', clientId: 'c' }, withStore(memoryStore()), withStore(memoryStore())),
    ],
  ])('refuses %s with LATCHKEY_CONFIG_INVALID', (_name, make) => {
    expect(make).toThrowError(expect.objectContaining({ code: 'LATCHKEY_CONFIG_INVALID' }));
  });
});

@Component({
  selector: 'lk-greeting',
  template: `@if (auth.authenticated()) {
      Signed in as {{ auth.user()?.name }}
    } @else {
      Signed out
    }`,
})
class Greeting {
  protected readonly auth = inject(Auth);
}

describe('provideLatchkeyTesting', () => {
  async function render(user: { sub: string; name?: string } | null) {
    TestBed.configureTestingModule({ providers: [provideZonelessChangeDetection(), provideLatchkeyTesting({ user })] });
    await TestBed.inject(ApplicationInitStatus).donePromise;
    const fixture = TestBed.createComponent(Greeting);
    await fixture.whenStable();
    return fixture;
  }

  it('renders an app page as a signed-in user, no provider needed', async () => {
    const fixture = await render({ sub: 'alice', name: 'Alice Liddell' });
    expect(fixture.nativeElement.textContent.trim()).toBe('Signed in as Alice Liddell');
  });

  it('renders it signed out, and signs in through the real Auth.login()', async () => {
    const fixture = await render(null);
    expect(fixture.nativeElement.textContent.trim()).toBe('Signed out');
    await TestBed.inject(Auth).login({ returnTo: '/profile' });
    await fixture.whenStable();
    expect(fixture.nativeElement.textContent.trim()).toBe('Signed in as Test User');
    expect(TestBed.inject(TestingSession).logins).toEqual([{ returnTo: '/profile' }]);
  });

  it('exposes the state as observables too', async () => {
    await render({ sub: 'bob', name: 'Bob Builder' });
    const auth = TestBed.inject(Auth);
    const seen: boolean[] = [];
    const sub = auth.authenticated$.subscribe((value) => seen.push(value));
    TestBed.tick();
    await auth.logout();
    TestBed.tick();
    sub.unsubscribe();
    expect(seen).toEqual([true, false]);
  });
});
