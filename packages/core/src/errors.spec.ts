import { describe, expect, it } from 'vitest';
import { LatchkeyError } from './errors.ts';
import { createSession } from './session/index.ts';
import { createFakeBrowser } from './testing/fake-browser.ts';
import { createFakeProvider } from './testing/fake-provider.ts';

const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLXNpZ25hdHVyZQ';
const opaque = 'x'.repeat(48);

describe('LatchkeyError', () => {
  it.each([
    ['a JWT', jwt],
    ['a long opaque token', opaque],
  ])('redacts %s quoted in its message, as in its cause', (_name, token) => {
    const error = new LatchkeyError('LATCHKEY_TOKEN_REQUEST_FAILED', `The provider refused the token request (${token}).`, {
      error: token,
    });
    expect(error.message).toBe('The provider refused the token request ([redacted]).');
    expect(error.cause?.error).toBe('[redacted]');
  });

  it('keeps a token out of the message when the token endpoint puts one in its error', async () => {
    const provider = await createFakeProvider();
    provider.hooks.tokenResponse = () =>
      new Response(JSON.stringify({ error: jwt }), { status: 400, headers: { 'content-type': 'application/json' } });
    const browser = createFakeBrowser(provider);
    const session = createSession({ issuer: provider.issuer, clientId: 'app', store: browser.store }, browser.ports);
    await session.login();
    browser.href = provider.authorize(browser.assigned as string);
    const error = await session.handleRedirectCallback().catch((e: unknown) => e as LatchkeyError);
    expect(error).toBeInstanceOf(LatchkeyError);
    expect((error as LatchkeyError).code).toBe('LATCHKEY_TOKEN_REQUEST_FAILED');
    expect(JSON.stringify({ message: (error as LatchkeyError).message, cause: (error as LatchkeyError).cause })).not.toContain(jwt);
  });
});
