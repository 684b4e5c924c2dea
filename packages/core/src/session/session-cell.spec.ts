import { describe, expect, it } from 'vitest';
import { LatchkeyError } from '../errors.ts';
import type { RestoredSession } from '../stored-session.ts';
import { SessionCell } from './session-cell.ts';
import type { SessionState } from './types.ts';

const record = (expiresAt: number, sub = 'alice'): RestoredSession => ({
  stored: {
    v: 1,
    issuer: 'https://op.example.com/',
    client_id: 'app',
    id_token: 'id',
    access_token: `at-${expiresAt}`,
    token_type: 'bearer',
    issued_at_ms: 0,
    signed_in_at_ms: 0,
    expires_at_ms: expiresAt,
    clock_offset_ms: 0,
  },
  user: { sub, iss: 'https://op.example.com/', exp: expiresAt / 1000 },
});

function watched() {
  const cell = new SessionCell();
  const seen: SessionState[] = [];
  cell.subscribe((state) => seen.push(state));
  return { cell, seen };
}

describe('SessionCell: the state derived from the current record, one notification per transition', () => {
  it('is loading until the store was read, then anonymous or authenticated in one step', () => {
    const { cell, seen } = watched();
    expect(cell.state.status).toBe('loading');
    const session = record(5_000);
    cell.update({ loaded: true, record: session });
    expect(seen).toEqual([{ status: 'authenticated', user: session.user, expiresAt: 5_000, expiringSoon: false, error: null }]);
  });

  it('a sign-out with its error is one notification, and ends the warning with the session', () => {
    const { cell, seen } = watched();
    cell.update({ loaded: true, record: record(5_000) });
    cell.update({ expiringSoon: true });
    const failure = new LatchkeyError('LATCHKEY_REFRESH_REJECTED', 'over');
    cell.update({ record: undefined, error: failure });
    expect(seen.map((s) => [s.status, s.expiringSoon, s.error?.code ?? null])).toEqual([
      ['authenticated', false, null],
      ['authenticated', true, null],
      ['anonymous', false, 'LATCHKEY_REFRESH_REJECTED'],
    ]);
  });

  it('a change that changes nothing the app sees notifies nobody', () => {
    const { cell, seen } = watched();
    const session = record(5_000);
    cell.update({ loaded: true, record: session });
    cell.update({ record: session, expiringSoon: false, error: null });
    cell.update({ loaded: true });
    expect(seen).toHaveLength(1);
  });

  it('the generation moves when the record is replaced or ended, not when the same one is kept', () => {
    const { cell } = watched();
    const session = record(5_000);
    cell.update({ loaded: true, record: session });
    const first = cell.generation;
    cell.update({ record: session });
    expect(cell.generation).toBe(first);
    cell.update({ record: record(6_000) });
    expect(cell.generation).toBe(first + 1);
    cell.update({ record: undefined });
    cell.update({ record: undefined });
    expect(cell.generation).toBe(first + 3);
  });

  it('a new record starts without the old one’s warning', () => {
    const { cell } = watched();
    cell.update({ loaded: true, record: record(5_000) });
    cell.update({ expiringSoon: true });
    cell.update({ record: record(9_000) });
    expect(cell.state.expiringSoon).toBe(false);
  });

  it('once closed it changes no more and tells nobody', () => {
    const { cell, seen } = watched();
    cell.close();
    cell.update({ loaded: true, record: record(5_000) });
    expect(cell.state.status).toBe('loading');
    expect(seen).toEqual([]);
    expect(cell.closed).toBe(true);
  });
});
