import { InjectionToken } from '@angular/core';
import { HttpErrorResponse, type HttpEvent, type HttpHandlerFn, type HttpRequest } from '@angular/common/http';
import type { TokenSession } from '@latchkey/core';
import { catchError, from, switchMap, throwError, type Observable } from 'rxjs';
import type { Auth } from './auth';

/**
 * How `authInterceptor` sends a request to a configured origin, per session mode: browser mode with the
 * access token ({@link tokenAuthorizer}), BFF mode with the CSRF header only. Each mode provides its own,
 * so an app bundles only its mode's.
 */
export interface RequestAuthorizer {
  send(auth: Auth, req: HttpRequest<unknown>, url: URL, next: HttpHandlerFn): Observable<HttpEvent<unknown>>;
}

/** How browser mode puts the access token on a request: `Bearer`, or `DPoP` with a fresh proof. */
export interface RequestSigner {
  /** The request to `url` with its credential for `accessToken`. */
  sign(auth: Auth, req: HttpRequest<unknown>, accessToken: string, url: URL): HttpRequest<unknown> | Promise<HttpRequest<unknown>>;
  /** After a 401: the API asked for a DPoP nonce, now kept; worth one retry. */
  nonceChallenge?(auth: Auth, url: URL, error: HttpErrorResponse): boolean;
}

const session = (auth: Auth) => auth.ɵsession() as Partial<TokenSession> | undefined;

/**
 * Browser mode: the session's headers — `Authorization: Bearer <token>` (RFC 6750), or `DPoP <token>` with
 * a `DPoP` proof (RFC 9449). A session of another kind (a custom factory's) gets `Bearer`.
 */
export const sessionSigner: RequestSigner = {
  sign: async (auth, req, accessToken, url) =>
    req.clone({
      setHeaders: (await session(auth)?.authorizeRequest?.(req.method, url.href, accessToken)) ?? {
        Authorization: `Bearer ${accessToken}`,
      },
    }),
  nonceChallenge: (auth, url, error) => session(auth)?.dpopNonceChallenge?.(url.href, error) === true,
};

/**
 * Browser mode's sending: the access token (waiting for a refresh in flight) put on by `signer`. On a 401
 * it retries once with the API's DPoP nonce when it asked for one, and refreshes once and retries once
 * when the token it sent was refused. Signed out, the request goes without a token.
 */
export function tokenAuthorizer(signer: RequestSigner): RequestAuthorizer {
  return {
    send: (auth, req, url, next) => {
      let sent: string | undefined;
      // After a 401 the session refreshes only if the refused token is still its current one.
      const withToken = (forceRefresh: boolean) =>
        from(
          auth.getAccessToken(forceRefresh && sent ? { forceRefresh, rejectedToken: sent } : { forceRefresh }).catch(() => undefined),
        ).pipe(
          switchMap((token) => {
            sent = token;
            if (!token) return next(req);
            // A proof that cannot be made (the DPoP key is gone, or IndexedDB failed) sends it without the token.
            return from(Promise.resolve(signer.sign(auth, req, token, url)).catch(() => ((sent = undefined), req))).pipe(switchMap(next));
          }),
        );
      const refused = (error: unknown) => error instanceof HttpErrorResponse && error.status === 401;
      // Only a token that was sent and refused is worth a refresh: a request that went without one proves nothing about it.
      const refreshAndRetry = (error: unknown) =>
        refused(error) && sent !== undefined && auth.authenticated() ? withToken(true) : throwError(() => error);
      return withToken(false).pipe(
        catchError((error: unknown) =>
          refused(error) && signer.nonceChallenge?.(auth, url, error as HttpErrorResponse)
            ? withToken(false).pipe(catchError(refreshAndRetry))
            : refreshAndRetry(error),
        ),
      );
    },
  };
}

/** @internal The mode's authorizer: `provideLatchkey` provides the token's, `provideLatchkeyBff` the CSRF header's. */
export const ɵLATCHKEY_REQUEST_AUTHORIZER = new InjectionToken<RequestAuthorizer>(ngDevMode ? 'ɵLATCHKEY_REQUEST_AUTHORIZER' : '');
