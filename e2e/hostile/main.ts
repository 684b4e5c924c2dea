import { startHostileProvider } from './hostile-provider.ts';

const port = Number(process.env['HOSTILE_PORT'] ?? 4412);
const demoOrigin = process.env['HOSTILE_DEMO_ORIGIN'] ?? 'http://localhost:4210';
const provider = await startHostileProvider({ port, demoOrigin });
console.log(`hostile: misbehaving test provider at ${provider.origin}/<case> (for ${demoOrigin})`);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void provider.close().then(() => process.exit(0)));
}
