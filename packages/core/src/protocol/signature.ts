import * as oauth from 'oauth4webapi';
import { isJwksUnavailable, isUnknownKey, signatureInvalid, unreachable } from './errors.ts';
import { requestOptions, type Provider } from './provider.ts';

/**
 * Verifies the ID token's signature against the provider's JWKS (`none` and HS* refused: a public
 * client has no secret). A `kid` the cached key set does not have triggers one re-fetch (key
 * rotation), never more.
 *
 * oauth4webapi caches the JWKS per metadata object and re-fetches on an unknown `kid` only after 60 s,
 * so the re-fetch goes through a fresh copy of the metadata (a fresh cache). Its `jwksCache` option
 * serves to share or persist the keys instead (a server's many sessions); not needed in a browser.
 *
 * @throws LatchkeyError `LATCHKEY_ID_TOKEN_SIGNATURE_INVALID`, or `LATCHKEY_PROVIDER_UNREACHABLE` when the keys could not be had
 * @see OpenID Connect Core 1.0 §3.1.3.7 (6), §10.1.1
 */
export async function verifySignature(provider: Provider, as: oauth.AuthorizationServer, response: Response): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    let jwksStatus: number | undefined;
    const fetchJwks: typeof fetch = async (input, init) => {
      const answer = await provider.fetch(input, init);
      jwksStatus = answer.status;
      return answer;
    };
    try {
      provider.jwksAs ??= as;
      await oauth.validateApplicationLevelSignature(provider.jwksAs, response, requestOptions(provider, undefined, fetchJwks));
      return;
    } catch (cause) {
      if (isJwksUnavailable(cause, jwksStatus)) throw unreachable(cause, jwksStatus);
      if (attempt === 0 && isUnknownKey(cause)) {
        provider.jwksAs = { ...as };
        continue;
      }
      throw signatureInvalid(cause);
    }
  }
}
