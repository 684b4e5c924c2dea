import { describe, expect, it } from 'vitest';
import type { FlowsModule } from './protocol-loader.ts';
import { ProtocolLoader } from './protocol-loader.ts';
import { FakeClock } from '../testing/fake-clock.ts';

const options = {
  issuer: new URL('https://op.example.com'),
  clientId: 'app',
  fetch: () => Promise.reject(new Error('no network')),
  clock: new FakeClock(),
};

describe('ProtocolLoader: the protocol, loaded once on first use', () => {
  it('a chunk that cannot be loaded is LATCHKEY_CHUNK_LOAD_FAILED, saying to reload; the next use imports again', async () => {
    let imports = 0;
    const loader = new ProtocolLoader(options, { name: 'latchkey:app' }, async () => {
      imports++;
      if (imports === 1) throw new TypeError('Failed to fetch dynamically imported module');
      return import('../flows/index.ts');
    });
    const error = await loader.load().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'LATCHKEY_CHUNK_LOAD_FAILED', cause: { name: 'TypeError' } });
    expect((error as Error).message).toMatch(/Reload/);
    const loaded = await loader.load();
    expect(imports).toBe(2);
    expect(loaded.provider.clientId).toBe('app');
    expect(await loader.load()).toBe(loaded);
    expect(imports).toBe(2);
  });

  it('preload() loads ahead and swallows a failure (the real use reports it)', async () => {
    let imports = 0;
    const loader = new ProtocolLoader(options, { name: 'latchkey:app' }, () => {
      imports++;
      return Promise.reject(new TypeError('offline')) as Promise<FlowsModule>;
    });
    loader.preload();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(imports).toBe(1);
    await expect(loader.load()).rejects.toMatchObject({ code: 'LATCHKEY_CHUNK_LOAD_FAILED' });
    expect(imports).toBe(2);
  });
});
