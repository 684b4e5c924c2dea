import { LatchkeyConfigError, ɵisAllowedEndpoint } from '@latchkey/core';
import type { TokenRule } from './latchkey-options';

/**
 * Parses `withTokenFor()` entries: each must be an absolute `https:` URL (plain `http:` only on
 * localhost), matching its exact scheme, host and port, and optionally a path prefix.
 *
 * @throws LatchkeyConfigError `LATCHKEY_CONFIG_INVALID` for an entry without a scheme, with a query,
 *   or on plain http off localhost — a silent non-match would send requests without their token.
 */
export function parseTokenRules(entries: readonly string[]): TokenRule[] {
  if (!Array.isArray(entries)) throw new LatchkeyConfigError('withTokenFor() takes an array of origins.');
  return entries.map((entry) => {
    const url = typeof entry === 'string' ? URL.parse(entry) : null;
    if (!url || !/^https?:$/.test(url.protocol) || !/^https?:\/\//i.test(String(entry))) {
      throw new LatchkeyConfigError(
        `withTokenFor(): "${String(entry)}" is not an origin with a scheme. Write it in full, e.g. "https://api.example.com" or "https://api.example.com/v1/".`,
      );
    }
    if (url.search || url.hash || url.username || url.password) {
      throw new LatchkeyConfigError(
        `withTokenFor(): "${entry}" must be an origin, optionally with a path: no query, fragment or credentials.`,
      );
    }
    if (!ɵisAllowedEndpoint(url)) {
      throw new LatchkeyConfigError(`withTokenFor(): "${entry}" is plain http: a bearer token is only sent over https (or to localhost).`);
    }
    const path = url.pathname.endsWith('/') ? url.pathname : `${url.pathname}/`;
    return { origin: url.origin, pathPrefix: path };
  });
}

/** True when `url` is under one of the rules: same scheme, host and port, and path under the prefix. */
export function matchesTokenRule(url: URL, rules: readonly TokenRule[]): boolean {
  return rules.some((rule) => url.origin === rule.origin && (rule.pathPrefix === '/' || `${url.pathname}/`.startsWith(rule.pathPrefix)));
}
