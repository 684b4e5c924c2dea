import { matchesTokenRule, parseTokenRules } from './token-rules';

describe('withTokenFor rules', () => {
  it.each([
    ['no scheme', 'api.example.com'],
    ['host and port without scheme', 'localhost:4300'],
    ['a relative path', '/api'],
    ['another scheme', 'ftp://api.example.com'],
    ['plain http off localhost', 'http://api.example.com'],
    ['a query', 'https://api.example.com/?v=1'],
    ['credentials', 'https://user:pw@api.example.com'],
  ])('refuses %s at start-up with LATCHKEY_CONFIG_INVALID', (_name, entry) => {
    expect(() => parseTokenRules([entry])).toThrowError(expect.objectContaining({ code: 'LATCHKEY_CONFIG_INVALID' }));
  });

  const rules = parseTokenRules(['https://api.example.com', 'https://example.com/api', 'http://localhost:4300']);

  it.each([
    ['https://api.example.com/x', true],
    ['https://api.example.com', true],
    ['https://example.com/api', true],
    ['https://example.com/api/orders?id=1', true],
    ['http://localhost:4300/api/private', true],
    ['https://example.com/apix', false],
    ['https://example.com/', false],
    ['http://api.example.com/x', false],
    ['https://api.example.com:8443/x', false],
    ['https://api.example.com.evil.example/x', false],
    ['https://evil.example/https://api.example.com', false],
    ['http://localhost:4301/api', false],
    ['http://127.0.0.1:4300/api', false],
  ])('%s → %s', (url, expected) => {
    expect(matchesTokenRule(new URL(url), rules)).toBe(expected);
  });
});

describe('the zoneless specs', () => {
  it('run without zone.js', () => {
    expect(typeof (globalThis as { Zone?: unknown }).Zone).toBe('undefined');
  });
});
