import { ApplicationInitStatus, ChangeDetectionStrategy, Component, inject, provideZonelessChangeDetection } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { memoryStore, type SessionStore } from '@latchkey/core';
import { Auth } from './auth';
import { provideLatchkey, withIdleTimeout, withStore } from './provide-latchkey';

const ISSUER = 'http://127.0.0.1:9/';
const CLIENT_ID = 'spa';

function jwt(payload: object): string {
  const enc = (v: object) => btoa(JSON.stringify(v)).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
  return `${enc({ alg: 'RS256' })}.${enc(payload)}.c2ln`;
}

/** A store holding a session as the core writes it (verified at sign-in; restore does not re-verify). */
function storeWithSession(lifetimeMs: number, name = 'Alice Liddell'): SessionStore {
  const store = memoryStore();
  const now = Date.now();
  const claims = {
    iss: ISSUER,
    aud: CLIENT_ID,
    sub: 'alice',
    name,
    iat: Math.floor(now / 1000),
    exp: Math.floor((now + lifetimeMs) / 1000),
  };
  store.set(
    `latchkey:${CLIENT_ID}`,
    JSON.stringify({
      v: 1,
      issuer: ISSUER,
      client_id: CLIENT_ID,
      id_token: jwt(claims),
      access_token: 'at-1',
      token_type: 'bearer',
      issued_at_ms: now,
      expires_at_ms: now + lifetimeMs,
      clock_offset_ms: 0,
    }),
  );
  return store;
}

@Component({
  selector: 'lk-navbar',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `@if (auth.authenticated()) {
      <button (click)="auth.logout()">Log Out</button><span>Signed in as {{ auth.user()?.name }}</span>
    } @else {
      <button (click)="auth.login()">Log In</button>
    }`,
})
class Navbar {
  protected readonly auth = inject(Auth);
}

async function setUp(store: SessionStore, config: Parameters<typeof provideLatchkey>[0] = { issuer: ISSUER, clientId: CLIENT_ID }) {
  TestBed.configureTestingModule({ providers: [provideZonelessChangeDetection(), provideLatchkey(config, withStore(store))] });
  // provideLatchkey's initializer: what bootstrapApplication awaits before the first render.
  await TestBed.inject(ApplicationInitStatus).donePromise;
  return TestBed.inject(Auth);
}

describe('Auth', () => {
  it('is anonymous with an empty store', async () => {
    const auth = await setUp(memoryStore());
    expect(auth.status()).toBe('anonymous');
    expect(auth.authenticated()).toBe(false);
    expect(auth.user()).toBeNull();
  });

  it('restores a stored session into the signals before the first render', async () => {
    const auth = await setUp(storeWithSession(60_000));
    expect(auth.authenticated()).toBe(true);
    expect(auth.user()?.name).toBe('Alice Liddell');
    expect(auth.expiresAt()).toBeGreaterThan(Date.now());
    expect(await auth.getAccessToken()).toBe('at-1');
  });

  it('waits for an async configuration loader', async () => {
    const auth = await setUp(storeWithSession(60_000), async () => ({ issuer: ISSUER, clientId: CLIENT_ID }));
    expect(auth.authenticated()).toBe(true);
  });

  it('an app destroyed while its configuration loads starts nothing afterwards (no session, no idle sign-out)', async () => {
    const store = { ...storeWithSession(3_600_000), shared: true };
    let release!: () => void;
    const loader = () =>
      new Promise<{ issuer: string; clientId: string }>((resolve) => (release = () => resolve({ issuer: ISSUER, clientId: CLIENT_ID })));
    TestBed.configureTestingModule({
      providers: [
        provideZonelessChangeDetection(),
        provideLatchkey(loader, withStore(store), withIdleTimeout({ minutes: 0.001, warnSeconds: 0 })),
      ],
    });
    const started = TestBed.inject(ApplicationInitStatus).donePromise;
    await Promise.resolve();
    TestBed.resetTestingModule(); // the app is destroyed
    release(); // and only then does the loader answer
    await started.catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 300)); // five idle timeouts of 60 ms
    // Had a session started, its idle monitor would have signed every tab out of the shared store.
    expect(store.get(`latchkey:${CLIENT_ID}`)).not.toBeNull();
    expect(localStorage.getItem(`latchkey:${CLIENT_ID}:logged-out-at`)).toBeNull();
  });

  it('re-renders a zoneless OnPush template when the session expires, with no input', async () => {
    await setUp(storeWithSession(1_500));
    const fixture = TestBed.createComponent(Navbar);
    await fixture.whenStable();
    expect(fixture.nativeElement.textContent).toContain('Log Out');
    expect(fixture.nativeElement.textContent).toContain('Signed in as Alice Liddell');
    await new Promise((resolve) => setTimeout(resolve, 1_700));
    await fixture.whenStable();
    expect(fixture.nativeElement.textContent).toContain('Log In');
    expect(fixture.nativeElement.textContent).not.toContain('Signed in');
  });

  it('logout() turns every signal anonymous and empties the store', async () => {
    const store = storeWithSession(60_000);
    const auth = await setUp(store);
    await auth.logout();
    expect(auth.status()).toBe('anonymous');
    expect(auth.user()).toBeNull();
    expect(store.get(`latchkey:${CLIENT_ID}`)).toBeNull();
  });

  it('login() with the provider down never rejects and puts the coded error in the error signal', async () => {
    const auth = await setUp(memoryStore());
    await expect(auth.login()).resolves.toBeUndefined();
    expect(auth.error()?.code).toBe('LATCHKEY_PROVIDER_UNREACHABLE');
    expect(auth.authenticated()).toBe(false);
    auth.clearError();
    expect(auth.error()).toBeNull();
  });

  it('refuses a bad configuration at start-up with LATCHKEY_CONFIG_INVALID', async () => {
    await expect(setUp(memoryStore(), { issuer: 'login.example.com', clientId: CLIENT_ID })).rejects.toMatchObject({
      code: 'LATCHKEY_CONFIG_INVALID',
    });
  });
});
