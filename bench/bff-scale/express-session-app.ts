import { RedisStore } from 'connect-redis';
import express, { type Express } from 'express';
import session from 'express-session';
import { createClient } from 'redis';

declare module 'express-session' {
  interface SessionData {
    /** The BFF session's fields, copied in whole (tokens included), so both stores hold as much. */
    tokens: { readonly user: unknown };
  }
}

/**
 * The yardstick for `{base}/session`: the way an Express app usually keeps a session in Redis,
 * `express-session` on `connect-redis` (its client is `redis`, as connect-redis requires), set up for a
 * sliding idle timeout (`rolling: true`: every answer renews the cookie and the key's TTL; `resave: false`,
 * `saveUninitialized: false`). `GET /session` answers what the BFF's does, `{ status, user, expiresAt,
 * now }`; `POST /login` stores a session made of the JSON body (for the bench only).
 */
export async function expressSessionApp(redisUrl: string, idleTimeoutMs: number): Promise<{ app: Express; close(): Promise<void> }> {
  const client = createClient({ url: redisUrl });
  await client.connect();
  const app = express();
  app.use(
    session({
      store: new RedisStore({ client }),
      secret: 'bench-express-session-secret',
      resave: false,
      saveUninitialized: false,
      rolling: true,
      // Plain http on 127.0.0.1, so not `secure`: the cookie is sent back all the same.
      cookie: { httpOnly: true, sameSite: 'lax', maxAge: idleTimeoutMs },
    }),
  );
  app.post('/login', express.json({ limit: '64kb' }), (req, res) => {
    Object.assign(req.session, req.body);
    res.status(204).end();
  });
  app.get('/session', (req, res) => {
    const now = Date.now();
    const tokens = req.session.tokens;
    res.json(
      tokens
        ? { status: 'authenticated', user: tokens.user, expiresAt: req.session.cookie.expires?.getTime() ?? null, now }
        : { status: 'anonymous', user: null, expiresAt: null, now },
    );
  });
  return { app, close: () => client.quit().then(() => undefined) };
}
