// angular-jwt's classes carry partial Ivy declarations, which need the JIT compiler when the module loads.
import '@angular/compiler';
import { JwtHelperService } from '@auth0/angular-jwt';
import { createSession, localStore, type SessionPorts } from '@latchkey/core';
import { tokenNotExpired as compatTokenNotExpired } from '@latchkey/core/compat';
import { tokenNotExpired } from 'angular2-jwt';
import { jwtDecode } from 'jwt-decode';
import type { SessionCheckInput } from './id-token.ts';

/** One way to answer "is the user signed in?", as a template would ask it on every change-detection pass. */
export interface SessionCheck {
  readonly name: string;
  readonly run: () => boolean;
}

/** The storage key the tutorial and the token helpers keep the raw ID token under. */
const TOKEN_KEY = 'id_token';

/**
 * Every library's session check over the same ID token. The token helpers read it from
 * `localStorage` on each call, as their templates do; Latchkey restores its session from the store
 * once, as on a page load, with no network (`ports.fetch` is not expected to be called).
 */
export function sessionChecks(input: SessionCheckInput, ports?: SessionPorts): SessionCheck[] {
  const now = Date.now();
  localStorage.setItem(TOKEN_KEY, input.idToken);
  // A stored session exactly as the core writes it after a sign-in (see packages/core/src/session.spec.ts).
  localStorage.setItem(
    `latchkey:${input.clientId}`,
    JSON.stringify({
      v: 1,
      issuer: input.issuer,
      client_id: input.clientId,
      id_token: input.idToken,
      access_token: 'at-opaque-7Qp2mN9vR4tY8wZ3bC6dF1gH5jL0sA',
      token_type: 'Bearer',
      refresh_token: 'rt-opaque-0sAXk7pQ2mN9vR4tY8wZ3bC6dF1gH5jL',
      scope: 'openid profile email offline_access',
      issued_at_ms: now,
      expires_at_ms: now + 3_600_000,
      clock_offset_ms: 0,
    }),
  );
  const session = ports
    ? createSession({ issuer: input.issuer, clientId: input.clientId, store: localStore() }, ports)
    : createSession({ issuer: input.issuer, clientId: input.clientId, store: localStore() });
  const jwtHelper = new JwtHelperService({ tokenGetter: () => localStorage.getItem(TOKEN_KEY) });
  return [
    { name: 'latchkey', run: () => session.isAuthenticated() },
    { name: 'angular-jwt', run: () => !jwtHelper.isTokenExpired() },
    {
      name: 'jwt-decode',
      run: () => {
        const token = localStorage.getItem(TOKEN_KEY);
        if (!token) return false;
        const { exp } = jwtDecode(token);
        return exp !== undefined && exp * 1000 > Date.now();
      },
    },
    { name: 'angular2-jwt', run: () => tokenNotExpired(TOKEN_KEY) },
    { name: 'latchkey-compat', run: () => compatTokenNotExpired(TOKEN_KEY) },
  ];
}
