import { HttpClient, HttpErrorResponse, provideHttpClient, withInterceptors, type HttpRequest } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import {
  ApplicationInitStatus,
  inject,
  provideAppInitializer,
  provideZonelessChangeDetection,
  type EnvironmentProviders,
  type Provider,
} from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { firstValueFrom } from 'rxjs';
import { provideLatchkeyTesting, TestingSession } from '../testing/src';
import { Auth } from './auth';
import { authInterceptor } from './auth-interceptor';
import { LATCHKEY_SESSION_FACTORY, type LatchkeyAngularConfig } from './latchkey-options';
import { provideLatchkey, withTokenFor } from './provide-latchkey';
import { ɵLATCHKEY_REQUEST_AUTHORIZER } from './request-auth';

async function setUp(user: { sub: string } | null = { sub: 'alice' }) {
  TestBed.configureTestingModule({
    providers: [
      provideZonelessChangeDetection(),
      provideHttpClient(withInterceptors([authInterceptor])),
      provideHttpClientTesting(),
      provideLatchkeyTesting({ user, accessToken: 'at-1' }, withTokenFor(['https://api.example.com', 'https://example.com/api/'])),
    ],
  });
  await TestBed.inject(ApplicationInitStatus).donePromise;
  return { http: TestBed.inject(HttpClient), backend: TestBed.inject(HttpTestingController), session: TestBed.inject(TestingSession) };
}

/** An app whose configuration (and its `tokenFor`) is loaded by `latchkey`, signed in as alice. */
function withLoadedConfiguration(...latchkey: (Provider | EnvironmentProviders)[]) {
  TestBed.configureTestingModule({
    providers: [
      provideZonelessChangeDetection(),
      provideHttpClient(withInterceptors([authInterceptor])),
      provideHttpClientTesting(),
      ...latchkey,
      // After provideLatchkey(), whose factory it replaces.
      { provide: LATCHKEY_SESSION_FACTORY, useValue: () => new TestingSession({ user: { sub: 'alice' }, accessToken: 'at-1' }) },
    ],
  });
}

/** Lets the interceptor's awaited token arrive before the request is looked for. */
const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('authInterceptor', () => {
  it("authorizes through the mode's authorizer (the seam DPoP and BFF mode plug into), sync or async", async () => {
    TestBed.configureTestingModule({
      providers: [
        {
          provide: ɵLATCHKEY_REQUEST_AUTHORIZER,
          useValue: {
            authorize: async (req: HttpRequest<unknown>, token: string) =>
              req.clone({ setHeaders: { Authorization: `DPoP ${token}`, DPoP: 'proof' } }),
          },
        },
      ],
    });
    const { http, backend } = await setUp();
    void firstValueFrom(http.get('https://api.example.com/things'));
    await tick();
    const request = backend.expectOne('https://api.example.com/things');
    expect(request.request.headers.get('Authorization')).toBe('DPoP at-1');
    expect(request.request.headers.get('DPoP')).toBe('proof');
  });

  it('lets a configuration loader fetch its configuration with HttpClient (no wait for itself)', async () => {
    withLoadedConfiguration(provideLatchkey(() => firstValueFrom(inject(HttpClient).get<LatchkeyAngularConfig>('/config.json'))));
    const started = TestBed.inject(ApplicationInitStatus).donePromise;
    await tick();
    const request = TestBed.inject(HttpTestingController).expectOne('/config.json');
    expect(request.request.headers.has('Authorization')).toBe(false);
    request.flush({ issuer: 'https://op.example.com/', clientId: 'spa', tokenFor: ['https://api.example.com'] });
    await started;
    expect(TestBed.inject(Auth).ɵtokenRules()).toHaveLength(1);
  });

  it('a request made while the configuration (with its tokenFor) loads waits for it and gets the token', async () => {
    let release!: () => void;
    const loader = () =>
      new Promise<LatchkeyAngularConfig>(
        (resolve) =>
          (release = () => resolve({ issuer: 'https://op.example.com/', clientId: 'spa', tokenFor: ['https://api.example.com'] })),
      );
    withLoadedConfiguration(
      provideLatchkey(loader),
      // Another initializer calls the API while the configuration loads.
      provideAppInitializer(
        () =>
          void inject(HttpClient)
            .get('https://api.example.com/me')
            .subscribe({ error: () => undefined }),
      ),
    );
    const started = TestBed.inject(ApplicationInitStatus).donePromise;
    await tick();
    const backend = TestBed.inject(HttpTestingController);
    expect(backend.match(() => true)).toEqual([]); // held until the rules are known
    release();
    await started;
    await tick();
    expect(backend.expectOne('https://api.example.com/me').request.headers.get('Authorization')).toBe('Bearer at-1');
  });

  it('attaches the bearer token to a configured origin', async () => {
    const { http, backend } = await setUp();
    const response = firstValueFrom(http.get('https://api.example.com/orders'));
    await tick();
    const request = backend.expectOne('https://api.example.com/orders');
    expect(request.request.headers.get('Authorization')).toBe('Bearer at-1');
    request.flush({ ok: true });
    expect(await response).toEqual({ ok: true });
  });

  it.each([
    'https://api.example.com.evil.example/x',
    'http://api.example.com/x',
    'https://api.example.com:8443/x',
    'https://example.com/apix',
    'https://third.example/x',
    '/relative/to/the/app',
  ])('never sends it to %s', async (url) => {
    const { http, backend } = await setUp();
    const response = firstValueFrom(http.get(url));
    await tick();
    const request = backend.expectOne(() => true);
    expect(request.request.headers.has('Authorization')).toBe(false);
    request.flush({});
    await response;
  });

  it('on a 401 from an allowed origin refreshes once and retries once', async () => {
    const { http, backend, session } = await setUp();
    const response = firstValueFrom(http.get('https://api.example.com/me'));
    await tick();
    backend.expectOne('https://api.example.com/me').flush('expired', { status: 401, statusText: 'Unauthorized' });
    await tick();
    const retry = backend.expectOne('https://api.example.com/me');
    expect(retry.request.headers.get('Authorization')).toBe('Bearer at-1');
    retry.flush('still no', { status: 401, statusText: 'Unauthorized' });
    await expect(response).rejects.toBeInstanceOf(HttpErrorResponse);
    expect(session.accessTokenRequests).toEqual([{ forceRefresh: false }, { forceRefresh: true, rejectedToken: 'at-1' }]);
    backend.verify();
  });

  it('sends the request without a token when signed out', async () => {
    const { http, backend } = await setUp(null);
    const response = firstValueFrom(http.get('https://api.example.com/public'));
    await tick();
    const request = backend.expectOne('https://api.example.com/public');
    expect(request.request.headers.has('Authorization')).toBe(false);
    request.flush({});
    await response;
  });
});
