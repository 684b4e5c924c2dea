import { InjectionToken, inject } from '@angular/core';
import type { HttpErrorResponse, HttpRequest } from '@angular/common/http';
import type { TokenSession } from '@latchkey/core';
import { Auth } from './auth';

/**
 * How `authInterceptor` authorizes a request to a configured origin, per session mode: browser mode
 * asks the session (a Bearer token, or a DPoP one with a fresh proof); BFF mode sends the CSRF header
 * only, no token.
 */
export interface RequestAuthorizer {
  /** BFF mode: the request needs no token (the BFF attaches it); `authorize` gets `''`, and a 401 is not retried. */
  readonly noToken?: boolean;
  /** The request to `url` with its credential for `accessToken`. */
  authorize(req: HttpRequest<unknown>, accessToken: string, url: URL): HttpRequest<unknown> | Promise<HttpRequest<unknown>>;
  /** After a 401: the API asked for a DPoP nonce, now kept; worth one retry. */
  nonceChallenge?(url: URL, error: HttpErrorResponse): boolean;
}

/** `Authorization: Bearer <access token>` (RFC 6750 §2.1): the default, for a session of another kind. */
export const bearerAuthorizer: RequestAuthorizer = {
  authorize: (req, accessToken) => req.clone({ setHeaders: { Authorization: `Bearer ${accessToken}` } }),
};

/**
 * Browser mode: the session's headers — `Authorization: Bearer <token>` (RFC 6750), or `DPoP <token>` with
 * a `DPoP` proof (RFC 9449). A session of another kind (a custom factory's) gets {@link bearerAuthorizer}.
 */
export function tokenSessionAuthorizer(auth: Auth): RequestAuthorizer {
  const session = () => auth.ɵsession() as Partial<TokenSession> | undefined;
  return {
    authorize: async (req, accessToken, url) => {
      const authorize = session()?.authorizeRequest;
      if (!authorize) return bearerAuthorizer.authorize(req, accessToken, url);
      return req.clone({ setHeaders: await authorize.call(session(), req.method, url.href, accessToken) });
    },
    nonceChallenge: (url, error) => session()?.dpopNonceChallenge?.(url.href, error) === true,
  };
}

/** @internal The mode's authorizer: `provideLatchkey` provides the session's, `provideLatchkeyBff` the CSRF header. */
export const ɵLATCHKEY_REQUEST_AUTHORIZER = new InjectionToken<RequestAuthorizer>(ngDevMode ? 'ɵLATCHKEY_REQUEST_AUTHORIZER' : '', {
  providedIn: 'root',
  factory: () => bearerAuthorizer,
});

/** Browser mode's {@link ɵLATCHKEY_REQUEST_AUTHORIZER}. */
export const tokenSessionAuthorizerProvider = {
  provide: ɵLATCHKEY_REQUEST_AUTHORIZER,
  useFactory: () => tokenSessionAuthorizer(inject(Auth)),
};
