import { describe, expect, it } from 'vitest';
import { MAX_TIMEOUT_MS } from '../schedule.ts';
import { FakeClock } from '../testing/fake-clock.ts';
import { Scheduler } from './scheduler.ts';

function setUp() {
  const clock = new FakeClock();
  const events = new EventTarget();
  const lifecycleEvents = new EventTarget();
  let wakes = 0;
  const scheduler = new Scheduler(clock, { events, lifecycleEvents }, () => wakes++);
  return { clock, events, lifecycleEvents, scheduler, wakes: () => wakes };
}

describe('Scheduler: one timer to the next instant, and the wake events', () => {
  it('sleeps until the first instant still ahead, with one timer', async () => {
    const { clock, scheduler } = setUp();
    const fired: number[] = [];
    const t0 = clock.now();
    scheduler.sleepUntil([t0 - 1, t0 + 3_000, t0 + 1_000, Infinity], () => fired.push(clock.now() - t0));
    scheduler.sleepUntil([t0 + 2_000], () => fired.push(clock.now() - t0));
    expect(clock.pending).toBe(1);
    await clock.advance(5_000);
    expect(fired).toEqual([2_000]);
  });

  it('sets no timer when every instant has passed', () => {
    const { clock, scheduler } = setUp();
    scheduler.sleepUntil([clock.now(), clock.now() - 5], () => {});
    expect(clock.pending).toBe(0);
    expect(scheduler.overdue()).toBe(false);
  });

  it('is overdue once its instant passed without the timer firing (a throttled tab), not before', () => {
    let now = 1_000_000;
    // A tab whose timers are held back: time moves on, the timer never fires.
    const throttled = { now: () => now, setTimeout: () => 1, clearTimeout: () => {} };
    const scheduler = new Scheduler(throttled, {}, () => {});
    scheduler.sleepUntil([now + 1_000], () => {});
    now += 999;
    expect(scheduler.overdue()).toBe(false);
    now += 1;
    expect(scheduler.overdue()).toBe(true);
    scheduler.cancel();
    expect(scheduler.overdue()).toBe(false);
  });

  it('clamps a far instant below setTimeout’s overflow', () => {
    const clock = new FakeClock();
    let delay = -1;
    const spy = { ...clock, now: () => clock.now(), setTimeout: (_h: () => void, ms: number) => ((delay = ms), 1), clearTimeout: () => {} };
    new Scheduler(spy, {}, () => {}).sleepUntil([clock.now() + 60 * 24 * 3_600_000], () => {});
    expect(delay).toBe(MAX_TIMEOUT_MS);
  });

  it('wakes on visibilitychange, focus, pageshow, online and resume, and on none of them after dispose', () => {
    const { events, lifecycleEvents, scheduler, wakes } = setUp();
    for (const name of ['visibilitychange', 'focus', 'pageshow', 'online']) events.dispatchEvent(new Event(name));
    lifecycleEvents.dispatchEvent(new Event('resume'));
    expect(wakes()).toBe(5);
    scheduler.dispose();
    events.dispatchEvent(new Event('focus'));
    lifecycleEvents.dispatchEvent(new Event('resume'));
    expect(wakes()).toBe(5);
  });

  it('cancel() clears the timer', async () => {
    const { clock, scheduler } = setUp();
    let fired = 0;
    scheduler.sleepUntil([clock.now() + 10], () => fired++);
    scheduler.cancel();
    expect(clock.pending).toBe(0);
    await clock.advance(100);
    expect(fired).toBe(0);
  });
});
