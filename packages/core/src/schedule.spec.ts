import { describe, expect, it } from 'vitest';
import { backoffMs, instants, MAX_TIMEOUT_MS, MIN_REFRESH_DELAY_MS, timeoutUntil } from './schedule.ts';

describe('the three instants', () => {
  it.each([
    // lifetime, refreshAt (after issue), warnAt (before end)
    ['10 minutes', 600_000, 450_000, 60_000],
    ['2 minutes', 120_000, 90_000, 60_000],
    ['60 s: warn at half the lifetime', 60_000, 45_000, 30_000],
    ['10 s', 10_000, 7_500, 5_000],
    ['2 s: no refresh before the floor', 2_000, MIN_REFRESH_DELAY_MS, 1_000],
  ])('%s', (_name, lifetime, refreshAfter, warnBefore) => {
    const issued = 1_000_000;
    const { refreshAt, warnAt, endAt } = instants(issued, issued + lifetime);
    expect(refreshAt - issued).toBe(refreshAfter);
    expect(endAt - warnAt).toBe(warnBefore);
    expect(endAt).toBe(issued + lifetime);
  });

  it('never refreshes later than the end, even for a token that lives less than the floor', () => {
    const { refreshAt, endAt } = instants(0, 500);
    expect(refreshAt).toBe(endAt);
  });

  it('honours the configured fraction and warning', () => {
    const { refreshAt, warnAt } = instants(0, 1_000_000, { refreshAtFraction: 0.5, warnBeforeMs: 10_000 });
    expect(refreshAt).toBe(500_000);
    expect(warnAt).toBe(990_000);
  });
});

describe('timeoutUntil', () => {
  it.each([
    [1_000, 0, 1_000],
    [0, 1_000, 0],
    [60 * 24 * 3_600_000, 0, MAX_TIMEOUT_MS],
  ])('at %i from %i waits %i ms (never negative, never past the setTimeout overflow)', (at, now, expected) => {
    expect(timeoutUntil(at, now)).toBe(expected);
  });
});

describe('backoffMs', () => {
  it('grows with each attempt and is capped at 30 s', () => {
    expect(backoffMs(0, () => 0)).toBe(500);
    expect(backoffMs(0, () => 1)).toBe(1_000);
    expect(backoffMs(3, () => 1)).toBe(8_000);
    expect(backoffMs(20, () => 1)).toBe(30_000);
  });
});
