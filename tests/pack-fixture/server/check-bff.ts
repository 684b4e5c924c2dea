// A Node server's first contact with @latchkey/bff, installed from its tarball: both entry points import, and
// createBff() refuses bad options at once with a coded error. Prints what it saw, as JSON, for the pack test.
import { createBff, type BffOptions } from '@latchkey/bff';
import { latchkeyBff } from '@latchkey/bff/express';

const bad: Record<string, unknown> = {
  'no options': {},
  'a plain-http app origin': {
    issuer: 'https://login.example.com/',
    clientId: 'app',
    clientSecret: 'secret',
    appOrigin: 'http://app.example.com',
  },
  'no client credentials': { issuer: 'https://login.example.com/', clientId: 'app', appOrigin: 'https://app.example.com' },
};

const refused: Record<string, string> = {};
for (const [name, options] of Object.entries(bad)) {
  try {
    createBff(options as BffOptions);
    refused[name] = 'accepted';
  } catch (error) {
    refused[name] = (error as { code?: string }).code ?? String(error);
  }
}
console.log(JSON.stringify({ expressAdapter: typeof latchkeyBff, refused }));
