// npm run build: the libraries in dependency order, then the demo (production).
import { run } from './run.ts';

await run('npm', ['run', 'build', '--workspace', '@latchkey/core']);
await run('npm', ['run', 'build', '--workspace', '@latchkey/bff']);
await run('npx', ['ng', 'build', 'angular']);
await run('npx', ['ng', 'build', 'demo']);
