import { generateKeyPair, SignJWT } from 'jose';

/** What every session check of the benchmark reads: one ID token, and who it is for. */
export interface SessionCheckInput {
  readonly idToken: string;
  readonly issuer: string;
  readonly clientId: string;
}

/**
 * A realistic ID token: RS256, about 1.2 KB, with the claims a hosted provider (Auth0, Okta, Keycloak)
 * puts in one for a profile + email scope, valid for an hour from now.
 */
export async function makeIdToken(): Promise<SessionCheckInput> {
  const issuer = 'https://login.example.com/';
  const clientId = 'Xk7pQ2mN9vR4tY8wZ3bC6dF1gH5jL0sA';
  const { privateKey } = await generateKeyPair('RS256');
  const iat = Math.floor(Date.now() / 1000);
  const idToken = await new SignJWT({
    name: 'Alice Liddell',
    given_name: 'Alice',
    family_name: 'Liddell',
    nickname: 'alice',
    picture: 'https://s.gravatar.com/avatar/8f3a1c0e5b7d9f2a4c6e8b0d1f3a5c7e?s=480&r=pg',
    email: 'alice.liddell@example.com',
    email_verified: true,
    locale: 'en-GB',
    updated_at: '2026-11-02T09:14:27.311Z',
    auth_time: iat - 5,
    nonce: 'n-0S6_WzA2Mj7Kp4rT9vX1yB3dF5hJ8lN0qS2uW4',
    at_hash: 'HK6E_P6Dh8Y93mRNtsDB1Q',
    sid: '3f1b2c7d-8e9a-4b5c-a6d7-e8f9a0b1c2d3',
  })
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: 'k1-2026-11-rsa-4f8e2d' })
    .setIssuer(issuer)
    .setSubject('auth0|64f1c2a9e4b0d7a3c5e8f912')
    .setAudience(clientId)
    .setIssuedAt(iat)
    .setExpirationTime(iat + 3600)
    .sign(privateKey);
  return { idToken, issuer, clientId };
}
