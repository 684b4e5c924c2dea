import { HttpClient, provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import {
  ApplicationInitStatus,
  makeStateKey,
  PLATFORM_ID,
  provideZonelessChangeDetection,
  REQUEST_CONTEXT,
  TransferState,
  type Provider,
} from '@angular/core';
import { TestBed } from '@angular/core/testing';
import type { BffSessionBody } from '@latchkey/core';
import { firstValueFrom } from 'rxjs';
import { TestingSession } from '../testing/src';
import { Auth } from './auth';
import { authInterceptor } from './auth-interceptor';
import { LATCHKEY_SESSION_FACTORY } from './latchkey-options';
import { withSessionWarning, withStore, withTokenFor } from './provide-latchkey';
import { provideLatchkeyBff } from './provide-latchkey-bff';
import { memoryStore } from '@latchkey/core';

const alice: BffSessionBody = {
  status: 'authenticated',
  user: { sub: 'alice', iss: 'https://op.example', exp: 2_000_000_000, name: 'Alice Liddell' },
  expiresAt: Date.now() + 30 * 60_000,
  now: Date.now(),
};

function configure(...providers: Provider[]) {
  TestBed.configureTestingModule({
    providers: [
      provideZonelessChangeDetection(),
      provideHttpClient(withInterceptors([authInterceptor])),
      provideHttpClientTesting(),
      provideLatchkeyBff({ baseUrl: '/bff' }, withSessionWarning({ beforeSeconds: 30 })),
      ...providers,
    ],
  });
}

describe('provideLatchkeyBff', () => {
  afterEach(() => vi.unstubAllGlobals());

  it.each([
    ['withStore()', () => provideLatchkeyBff({}, withStore(memoryStore()))],
    ['withTokenFor()', () => provideLatchkeyBff({}, withTokenFor(['https://api.example.com']))],
  ])('refuses %s, which has no meaning without tokens in the browser', (_name, make) => {
    expect(make).toThrowError(expect.objectContaining({ code: 'LATCHKEY_CONFIG_INVALID' }));
  });

  it("authInterceptor adds the CSRF header to the BFF's own requests and never a token; other requests get nothing", async () => {
    // A signed-in session that would hand out a token, were it asked: BFF mode never asks.
    configure({ provide: LATCHKEY_SESSION_FACTORY, useValue: () => new TestingSession({ user: { sub: 'alice' }, accessToken: 'at-1' }) });
    await TestBed.inject(ApplicationInitStatus).donePromise;
    const http = TestBed.inject(HttpClient);
    const backend = TestBed.inject(HttpTestingController);
    const origin = globalThis.location.origin;
    void firstValueFrom(http.get('/bff/api/demo/private'));
    void firstValueFrom(http.get(`${origin}/bff/session`));
    void firstValueFrom(http.get(`${origin}/other/path`));
    void firstValueFrom(http.get(`${origin}/bffx/session`));
    void firstValueFrom(http.get('https://api.example.com/x'));
    await new Promise((resolve) => setTimeout(resolve, 0));
    for (const url of ['/bff/api/demo/private', `${origin}/bff/session`]) {
      const request = backend.expectOne(url).request;
      expect(request.headers.get('X-Latchkey-CSRF')).toBe('1');
      expect(request.headers.has('Authorization')).toBe(false);
    }
    for (const url of [`${origin}/other/path`, `${origin}/bffx/session`, 'https://api.example.com/x']) {
      const request = backend.expectOne(url).request;
      expect(request.headers.has('X-Latchkey-CSRF')).toBe(false);
      expect(request.headers.has('Authorization')).toBe(false);
    }
  });

  it("renders on the server as the request's session says, and hands it to the browser through TransferState", async () => {
    configure({ provide: PLATFORM_ID, useValue: 'server' }, { provide: REQUEST_CONTEXT, useValue: { latchkeySession: alice } });
    await TestBed.inject(ApplicationInitStatus).donePromise;
    const auth = TestBed.inject(Auth);
    expect(auth.status()).toBe('authenticated');
    expect(auth.user()?.name).toBe('Alice Liddell');
    expect(auth.expiresAt()).toBe(alice.expiresAt);
    expect(TestBed.inject(TransferState).get(makeStateKey<BffSessionBody>('latchkey-bff-session'), null)).toEqual(alice);
  });

  it('renders on the server as loading when the server could not tell (no session in the request context)', async () => {
    configure({ provide: PLATFORM_ID, useValue: 'server' });
    await TestBed.inject(ApplicationInitStatus).donePromise;
    expect(TestBed.inject(Auth).status()).toBe('loading');
  });

  it("starts in the browser from the server's state (hydration keeps it) before the BFF has answered", async () => {
    // The BFF never answers here: the state can only come from TransferState.
    const fetch = vi.fn(() => new Promise<Response>(() => {}));
    vi.stubGlobal('fetch', fetch);
    configure();
    TestBed.inject(TransferState).set(makeStateKey<BffSessionBody>('latchkey-bff-session'), alice);
    const auth = TestBed.inject(Auth);
    void auth.ɵinit();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(auth.status()).toBe('authenticated');
    expect(auth.user()?.name).toBe('Alice Liddell');
    expect(TestBed.inject(TransferState).hasKey(makeStateKey('latchkey-bff-session'))).toBe(false);
  });

  it('has no token to give: getAccessToken() rejects with LATCHKEY_BFF_NO_TOKEN', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => Response.json(alice)),
    );
    configure();
    TestBed.inject(TransferState).set(makeStateKey<BffSessionBody>('latchkey-bff-session'), alice);
    const auth = TestBed.inject(Auth);
    void auth.ɵinit();
    await expect(auth.getAccessToken()).rejects.toMatchObject({ code: 'LATCHKEY_BFF_NO_TOKEN' });
  });
});
