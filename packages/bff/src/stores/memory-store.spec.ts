import { describe, expect, it } from 'vitest';
import { SAMPLE_NOW_MS, sampleSession } from '../testing/sample-session.ts';
import { describeServerSessionStore } from '../testing/store-contract.ts';
import { memoryStore } from './memory-store.ts';

describeServerSessionStore('memoryStore', async () => {
  let nowMs = SAMPLE_NOW_MS;
  return {
    store: memoryStore({ now: () => nowMs }),
    advance: (ms) => void (nowMs += ms),
  };
});

describe('memoryStore', () => {
  it('keeps its sessions apart from those of another memory store', async () => {
    const one = memoryStore();
    const two = memoryStore();
    await one.set('k', sampleSession(), 60_000);
    expect(await two.get('k')).toBeUndefined();
  });

  it('runs on Date.now without a clock', async () => {
    const store = memoryStore();
    await store.set('k', sampleSession(), 60_000);
    expect(await store.get('k')).toBeDefined();
    await store.set('k', sampleSession(), 0);
    expect(await store.get('k')).toBeUndefined();
  });
});
