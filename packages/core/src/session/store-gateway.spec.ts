import { describe, expect, it } from 'vitest';
import { memoryStore, type SessionStore } from '../session-store.ts';
import { fakeJwt } from '../testing/fake-provider.ts';
import { StoreGateway } from './store-gateway.ts';

const issuer = 'https://op.example.com/';
const stored = {
  v: 1 as const,
  issuer,
  client_id: 'app',
  id_token: fakeJwt({ iss: issuer, sub: 'alice', aud: 'app', exp: 2_000_000_000 }),
  access_token: 'at',
  token_type: 'bearer',
  issued_at_ms: 1,
  signed_in_at_ms: 1,
  expires_at_ms: 2,
  clock_offset_ms: 0,
  refresh_token: 'rt',
};

function gateway(store: SessionStore, refreshTokenStore?: SessionStore) {
  const degraded: string[] = [];
  const g = new StoreGateway({ store, refreshTokenStore, storeKey: 'latchkey:app', issuer: new URL(issuer), clientId: 'app' }, (name) =>
    degraded.push(name),
  );
  return { g, degraded };
}

describe('StoreGateway', () => {
  it('writes and reads back a session; the refresh token apart when a refreshTokenStore is given', async () => {
    const main = memoryStore();
    const apart = memoryStore();
    const { g } = gateway(main, apart);
    await g.write(stored);
    expect(main.get('latchkey:app')).not.toContain('"rt"');
    expect(apart.get('latchkey:app:refresh')).toBe('rt');
    expect(await g.read()).toMatchObject({ stored: { refresh_token: 'rt', access_token: 'at' }, user: { sub: 'alice' } });
  });

  it('removes garbage it reads, and reads it as nothing', () => {
    const main = memoryStore();
    main.set('latchkey:app', '{"v":1,"issuer":"elsewhere"}');
    const { g } = gateway(main);
    expect(g.read()).toBeUndefined();
    expect(main.get('latchkey:app')).toBeNull();
  });

  it('a store that throws is replaced by memory once, says so with the error’s name, and still works', async () => {
    const throwing: SessionStore = {
      shared: true,
      get: () => {
        throw new DOMException('blocked', 'SecurityError');
      },
      set: () => {
        throw new DOMException('full', 'QuotaExceededError');
      },
      remove: () => {},
    };
    const { g, degraded } = gateway(throwing);
    expect(g.shared).toBe(true);
    expect(g.read()).toBeUndefined();
    expect(degraded).toEqual(['SecurityError']);
    expect(g.shared).toBe(false);
    await g.write(stored);
    expect(degraded).toEqual(['SecurityError']);
    expect(await g.read()).toMatchObject({ stored: { access_token: 'at' } });
  });

  it('an async store that rejects degrades the same way; readOrNothing never throws', async () => {
    const rejecting: SessionStore = { get: () => Promise.reject(new TypeError('gone')), set: async () => {}, remove: async () => {} };
    const { g, degraded } = gateway(rejecting);
    expect(await g.readOrNothing()).toBeUndefined();
    expect(degraded).toEqual(['TypeError']);
  });
});
