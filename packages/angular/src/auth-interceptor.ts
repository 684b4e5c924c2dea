import { DOCUMENT } from '@angular/common';
import { HttpContextToken, type HttpEvent, type HttpHandlerFn, type HttpInterceptorFn, type HttpRequest } from '@angular/common/http';
import { inject } from '@angular/core';
import { from, switchMap, type Observable } from 'rxjs';
import { Auth } from './auth';
import { ɵLATCHKEY_REQUEST_AUTHORIZER, type RequestAuthorizer } from './request-auth';
import { matchesTokenRule } from './token-rules';

/**
 * Set on a request's `context` to send it as it is, with no token (and, in BFF mode, no CSRF header),
 * even to an origin of `withTokenFor()`.
 *
 * @example
 * ```ts
 * http.get(url, { context: new HttpContext().set(SKIP_LATCHKEY_TOKEN, true) });
 * ```
 */
export const SKIP_LATCHKEY_TOKEN = new HttpContextToken<boolean>(() => false);

/**
 * Attaches the access token (`Authorization: Bearer …`, or with `withDpop()` `Authorization: DPoP …` and a
 * fresh `DPoP` proof) to requests for the origins given to `withTokenFor()` —
 * exact scheme, host and port, and path prefix when one was given — and to no other origin, ever. Waits
 * for a refresh in flight. On a 401 from an allowed origin it retries once with the API's DPoP nonce
 * when it asked for one (`use_dpop_nonce`), and refreshes once and retries once when the token was
 * refused. Signed out, the request goes without a token; with {@link SKIP_LATCHKEY_TOKEN}, too. A request made while a
 * configuration loader runs waits for its `tokenFor`, except those the loader starts as it is called
 * (its own `HttpClient` request for the configuration).
 *
 * @example provideHttpClient(withInterceptors([authInterceptor]))
 */
export const authInterceptor: HttpInterceptorFn = (req: HttpRequest<unknown>, next: HttpHandlerFn): Observable<HttpEvent<unknown>> => {
  const auth = inject(Auth);
  const authorizer = inject(ɵLATCHKEY_REQUEST_AUTHORIZER);
  const baseUri = inject(DOCUMENT).baseURI;
  // A request made while the configuration loads (another initializer's) waits for its `tokenFor`.
  const rulesReady = auth.ɵtokenRulesReady();
  if (rulesReady) return from(rulesReady).pipe(switchMap(() => intercept(auth, authorizer, baseUri, req, next)));
  return intercept(auth, authorizer, baseUri, req, next);
};

function intercept(
  auth: Auth,
  authorizer: RequestAuthorizer,
  baseUri: string,
  req: HttpRequest<unknown>,
  next: HttpHandlerFn,
): Observable<HttpEvent<unknown>> {
  const rules = auth.ɵtokenRules();
  const url = URL.parse(req.url, baseUri);
  if (
    !url ||
    rules.length === 0 ||
    req.context.get(SKIP_LATCHKEY_TOKEN) ||
    !matchesTokenRule(url, rules) ||
    req.headers.has('Authorization')
  ) {
    return next(req);
  }
  return authorizer.send(auth, req, url, next);
}
