import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createIdleMonitor, type IdleMonitor } from './idle.ts';
import { ChannelHub, MapStorage } from './testing/fake-browser.ts';

let hub: ChannelHub;
let storage: MapStorage;
const monitors: IdleMonitor[] = [];

function tab(log: string[], name: string) {
  const events = new EventTarget();
  const monitor = createIdleMonitor(
    { timeoutMs: 10 * 60_000, warnBeforeMs: 60_000, key: 'latchkey:app' },
    { events, storage, channel: (n) => hub.open(n) },
    { onWarn: () => log.push(`${name}: warn`), onActive: () => log.push(`${name}: active`), onIdle: () => log.push(`${name}: idle`) },
  );
  monitors.push(monitor);
  return { events, monitor };
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date', 'setTimeout', 'clearTimeout'] });
  hub = new ChannelHub();
  storage = new MapStorage();
});
afterEach(() => {
  for (const m of monitors.splice(0)) m.stop();
  vi.useRealTimers();
});

describe('createIdleMonitor', () => {
  it('warns a minute before the timeout, then reports idle once', async () => {
    const log: string[] = [];
    tab(log, 'a');
    await vi.advanceTimersByTimeAsync(9 * 60_000 - 1);
    expect(log).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(log).toEqual(['a: warn']);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(log).toEqual(['a: warn', 'a: idle']);
    await vi.advanceTimersByTimeAsync(60 * 60_000);
    expect(log).toEqual(['a: warn', 'a: idle']);
  });

  it.each([
    ['', 0],
    [', also after the clock is set back an hour', -60 * 60_000],
  ])('activity in one tab keeps every tab alive%s', async (_name, clockJumpMs) => {
    const log: string[] = [];
    const a = tab(log, 'a');
    tab(log, 'b');
    a.events.dispatchEvent(new Event('keydown'));
    vi.setSystemTime(Date.now() + clockJumpMs);
    for (let i = 0; i < 5; i++) {
      await vi.advanceTimersByTimeAsync(5 * 60_000);
      a.events.dispatchEvent(new Event('keydown'));
    }
    expect(log).toEqual([]);
  });

  it('"Stay signed in" in one tab clears the warning in every tab', async () => {
    const log: string[] = [];
    const a = tab(log, 'a');
    tab(log, 'b');
    await vi.advanceTimersByTimeAsync(9 * 60_000 + 1_000);
    expect(log.sort()).toEqual(['a: warn', 'b: warn']);
    a.monitor.stayActive();
    await vi.advanceTimersByTimeAsync(0);
    expect(log.filter((l) => l.endsWith('active')).sort()).toEqual(['a: active', 'b: active']);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(log.filter((l) => l.endsWith('idle'))).toEqual([]);
  });

  it.each([
    ['with activity shared meanwhile, stays quiet', true, []],
    ['without any, warns at once', false, ['b: warn']],
  ])('a tab that slept past its warning reads the shared activity when it wakes: %s', (_name, shared, expected) => {
    const log: string[] = [];
    const b = tab(log, 'b');
    // The tab sleeps: the clock moves on and no timer of its fires.
    vi.setSystemTime(Date.now() + 5 * 60_000);
    if (shared) storage.setItem('latchkey:app:active-at', String(Date.now()));
    vi.setSystemTime(Date.now() + 4 * 60_000 + 1_000);
    b.events.dispatchEvent(new Event('visibilitychange'));
    expect(log).toEqual(expected);
  });

  it('a clock set back does not postpone the sign-out: it comes after the timeout of real inactivity', async () => {
    const log: string[] = [];
    const a = tab(log, 'a');
    vi.setSystemTime(Date.now() - 60 * 60_000); // NTP, or the user, sets the clock back an hour
    a.events.dispatchEvent(new Event('keydown'));
    await vi.advanceTimersByTimeAsync(10 * 60_000 + 1_000);
    expect(log).toEqual(['a: warn', 'a: idle']);
  });

  it('mouse movement is shared at most once a second', async () => {
    const log: string[] = [];
    const a = tab(log, 'a');
    const posted = hub.posted;
    // Three seconds of movement, one event every 20 ms, after the start was shared: shared at 1 s and 2 s.
    for (let i = 0; i < 150; i++) {
      a.events.dispatchEvent(new Event('mousemove'));
      await vi.advanceTimersByTimeAsync(20);
    }
    expect(hub.posted - posted).toBe(2);
  });
});
