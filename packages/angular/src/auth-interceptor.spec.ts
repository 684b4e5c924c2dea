import { HttpClient, HttpContext, HttpErrorResponse, provideHttpClient, withInterceptors, type HttpRequest } from '@angular/common/http';
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
import { authInterceptor, SKIP_LATCHKEY_TOKEN } from './auth-interceptor';
import { LATCHKEY_SESSION_FACTORY, type LatchkeyAngularConfig } from './latchkey-options';
import { provideLatchkey, withDpop, withTokenFor } from './provide-latchkey';
import { tokenAuthorizer, ɵLATCHKEY_REQUEST_AUTHORIZER } from './request-auth';

async function setUp(user: { sub: string } | null = { sub: 'alice' }, after: Provider[] = []) {
  TestBed.configureTestingModule({
    providers: [
      provideZonelessChangeDetection(),
      provideHttpClient(withInterceptors([authInterceptor])),
      provideHttpClientTesting(),
      provideLatchkeyTesting({ user, accessToken: 'at-1' }, withTokenFor(['https://api.example.com', 'https://example.com/api/'])),
      // After provideLatchkey(), whose providers these replace.
      ...after,
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
    const { http, backend } = await setUp({ sub: 'alice' }, [
      {
        provide: ɵLATCHKEY_REQUEST_AUTHORIZER,
        useValue: tokenAuthorizer({
          sign: async (_auth, req: HttpRequest<unknown>, token: string) =>
            req.clone({ setHeaders: { Authorization: `DPoP ${token}`, DPoP: 'proof' } }),
        }),
      },
    ]);
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

  it('sends a request whose context sets SKIP_LATCHKEY_TOKEN without a token, even to a configured origin', async () => {
    const { http, backend, session } = await setUp();
    const response = firstValueFrom(
      http.get('https://api.example.com/public', { context: new HttpContext().set(SKIP_LATCHKEY_TOKEN, true) }),
    );
    await tick();
    const request = backend.expectOne('https://api.example.com/public');
    expect(request.request.headers.has('Authorization')).toBe(false);
    request.flush({});
    await response;
    expect(session.accessTokenRequests).toEqual([]);
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

  describe('with a DPoP-bound session (withDpop)', () => {
    /** A testing session that authorizes like core's DPoP session: a proof per request, the API's nonce kept. */
    class DpopTestingSession extends TestingSession {
      nonce: string | undefined;
      readonly proofsFor: string[] = [];
      failProofs = false;
      async authorizeRequest(method: string, url: string, token: string): Promise<Record<string, string>> {
        if (this.failProofs) throw new Error('the key is gone');
        this.proofsFor.push(`${method} ${url}`);
        return { Authorization: `DPoP ${token}`, DPoP: `proof#${this.proofsFor.length}${this.nonce ? `+${this.nonce}` : ''}` };
      }
      dpopNonceChallenge(_url: string, response: { status: number; headers: { get(name: string): string | null } }): boolean {
        const nonce = response.headers.get('DPoP-Nonce');
        if (response.status !== 401 || !nonce || !/use_dpop_nonce/.test(response.headers.get('WWW-Authenticate') ?? '')) return false;
        this.nonce = nonce;
        return true;
      }
    }
    let configured: LatchkeyAngularConfig | undefined;
    function setUpDpop() {
      const session = new DpopTestingSession({ user: { sub: 'alice' }, accessToken: 'at-1' });
      withLoadedConfiguration(
        provideLatchkey({ issuer: 'https://op.example.com/', clientId: 'spa' }, withTokenFor(['https://api.example.com']), withDpop()),
      );
      TestBed.overrideProvider(LATCHKEY_SESSION_FACTORY, { useValue: (config: LatchkeyAngularConfig) => ((configured = config), session) });
      return { session, http: TestBed.inject(HttpClient), backend: TestBed.inject(HttpTestingController) };
    }
    const nonceChallenge = {
      status: 401,
      statusText: 'Unauthorized',
      headers: { 'WWW-Authenticate': 'DPoP error="use_dpop_nonce"', 'DPoP-Nonce': 'n-1' },
    };

    it('withDpop() turns the dpop option on; requests carry Authorization: DPoP and a fresh proof for their URL', async () => {
      const { http, backend, session } = setUpDpop();
      await TestBed.inject(ApplicationInitStatus).donePromise;
      expect(configured?.dpop).toBe(true);
      const response = firstValueFrom(http.get('https://api.example.com/orders', { params: { page: '2' } }));
      await tick();
      const request = backend.expectOne('https://api.example.com/orders?page=2');
      expect(request.request.headers.get('Authorization')).toBe('DPoP at-1');
      expect(request.request.headers.get('DPoP')).toBe('proof#1');
      expect(session.proofsFor).toEqual(['GET https://api.example.com/orders']);
      request.flush({ ok: true });
      expect(await response).toEqual({ ok: true });
    });

    it("retries once with the API's nonce (a fresh proof), with no refresh", async () => {
      const { http, backend, session } = setUpDpop();
      await TestBed.inject(ApplicationInitStatus).donePromise;
      const response = firstValueFrom(http.get('https://api.example.com/me'));
      await tick();
      backend.expectOne('https://api.example.com/me').flush('nonce please', nonceChallenge);
      await tick();
      const retry = backend.expectOne('https://api.example.com/me');
      expect(retry.request.headers.get('DPoP')).toBe('proof#2+n-1');
      retry.flush({ ok: true });
      expect(await response).toEqual({ ok: true });
      expect(session.accessTokenRequests).toEqual([{ forceRefresh: false }, { forceRefresh: false }]);
    });

    it('never loops: after the nonce retry, a refused token is refreshed once; then the 401 is the answer', async () => {
      const { http, backend, session } = setUpDpop();
      await TestBed.inject(ApplicationInitStatus).donePromise;
      const response = firstValueFrom(http.get('https://api.example.com/me'));
      for (let attempt = 0; attempt < 3; attempt++) {
        await tick();
        backend.expectOne('https://api.example.com/me').flush('no', nonceChallenge);
      }
      await expect(response).rejects.toBeInstanceOf(HttpErrorResponse);
      expect(session.accessTokenRequests).toEqual([
        { forceRefresh: false },
        { forceRefresh: false },
        { forceRefresh: true, rejectedToken: 'at-1' },
      ]);
      backend.verify();
    });

    /** A request whose proof cannot be made (the session's `failProofs`), on its way to the backend. */
    async function withoutProof() {
      const { http, backend, session } = setUpDpop();
      await TestBed.inject(ApplicationInitStatus).donePromise;
      session.failProofs = true;
      const response = firstValueFrom(http.get('https://api.example.com/me'));
      await tick();
      return { backend, session, response, request: backend.expectOne('https://api.example.com/me') };
    }

    it('a proof that cannot be made (the key is gone, the session ended) sends the request without a token', async () => {
      const { request, response } = await withoutProof();
      expect(request.request.headers.has('Authorization')).toBe(false);
      expect(request.request.headers.has('DPoP')).toBe(false);
      request.flush({});
      await response;
    });

    it('… and its 401 is not answered with a refresh: the request went without the token, which proves nothing about it', async () => {
      const { backend, session, response, request } = await withoutProof();
      request.flush({}, { status: 401, statusText: 'Unauthorized' });
      await expect(response).rejects.toBeInstanceOf(HttpErrorResponse);
      expect(session.accessTokenRequests).toEqual([{ forceRefresh: false }]);
      backend.verify();
    });
  });
});
