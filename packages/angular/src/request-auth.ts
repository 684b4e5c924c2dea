import { InjectionToken } from '@angular/core';
import type { HttpRequest } from '@angular/common/http';

/**
 * How `authInterceptor` authorizes a request to a configured origin, per session mode: with the
 * access token as a Bearer credential today; DPoP (a proof per request) and BFF mode (the CSRF header
 * only, no token) plug in here without another interceptor.
 */
export interface RequestAuthorizer {
  /** BFF mode: the request needs no token (the BFF attaches it); `authorize` gets `''`, and a 401 is not retried. */
  readonly noToken?: boolean;
  /** The request with its credential for `accessToken`. */
  authorize(req: HttpRequest<unknown>, accessToken: string): HttpRequest<unknown> | Promise<HttpRequest<unknown>>;
}

/** `Authorization: Bearer <access token>` (RFC 6750 §2.1). */
export const bearerAuthorizer: RequestAuthorizer = {
  authorize: (req, accessToken) => req.clone({ setHeaders: { Authorization: `Bearer ${accessToken}` } }),
};

/** @internal The mode's authorizer; Bearer unless a feature of `provideLatchkey` provides another. */
export const ɵLATCHKEY_REQUEST_AUTHORIZER = new InjectionToken<RequestAuthorizer>(ngDevMode ? 'ɵLATCHKEY_REQUEST_AUTHORIZER' : '', {
  providedIn: 'root',
  factory: () => bearerAuthorizer,
});
