import { BFF_HEARTBEAT_MS, BFF_SESSION_EVENT, type BffSessionBody } from '@latchkey/core/bff';
import { readCookie, SESSION_COOKIE } from './cookies.ts';
import type { SessionHub } from './hub.ts';
import type { ServerSessions } from './sessions.ts';

export interface EventsContext {
  readonly sessions: ServerSessions;
  readonly hub: SessionHub;
  readonly now: () => number;
}

const encoder = new TextEncoder();

/**
 * `GET {base}/events`: server-sent events for the session of this cookie — `session` with the new
 * state whenever it changes on the server (refreshed; ended by a logout, back-channel logout or
 * timeout) — and a heartbeat comment every 20 s. Side-effect free (an `EventSource` cannot send the
 * CSRF header; its `Origin` is checked), and not activity: an open stream keeps no session alive.
 */
export async function events(request: Request, context: EventsContext): Promise<Response> {
  const { sessions, hub } = context;
  const active = await sessions.read(readCookie(request.headers.get('cookie'), SESSION_COOKIE));
  let cleanup = () => {};
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      let closed = false;
      const send = (text: string) => {
        if (!closed) controller.enqueue(encoder.encode(text));
      };
      const push = (body: BffSessionBody) => {
        lastSent = JSON.stringify(body.expiresAt);
        send(`event: ${BFF_SESSION_EVENT}\ndata: ${JSON.stringify(body)}\n\n`);
      };
      send(`retry: 2000\n: connected\n\n`);
      const heartbeat = setInterval(() => send(':\n\n'), BFF_HEARTBEAT_MS);
      let endTimer: ReturnType<typeof setTimeout> | undefined;
      const unsubscribe = active ? hub.subscribe(active.key, (body) => onChange(body)) : () => {};
      // Messages published while the hub was away are lost: re-read the session, push it if it changed.
      const offResubscribed = active ? (hub.onResubscribed?.(() => void recheck()) ?? (() => {})) : () => {};
      let lastSent = active ? JSON.stringify(sessions.body(active.session).expiresAt) : '';
      const recheck = async () => {
        try {
          const current = await sessions.read(readCookieValue());
          const body = sessions.body(current?.session);
          if (JSON.stringify(body.expiresAt) !== lastSent) onChange(body);
        } catch {
          // The store is away too: the next resubscribe or the end timer tries again.
        }
      };
      // The session's end (idle or absolute) is pushed when it comes, after a re-read: activity in
      // another tab may have moved it.
      const watchEnd = (endsAt: number | null) => {
        if (endTimer) clearTimeout(endTimer);
        if (endsAt === null || !active) return;
        endTimer = setTimeout(() => void checkEnd(), Math.min(Math.max(0, endsAt - context.now()) + 50, 2 ** 31 - 1));
      };
      const checkEnd = async () => {
        try {
          const current = await sessions.read(readCookieValue());
          if (!current) push(sessions.body(undefined));
          else watchEnd(sessions.endsAt(current.session));
        } catch {
          // The store is down: try again shortly, and say nothing (no sign-out on a fault).
          endTimer = setTimeout(() => void checkEnd(), 1000);
        }
      };
      const readCookieValue = () => readCookie(request.headers.get('cookie'), SESSION_COOKIE);
      const onChange = (body: BffSessionBody) => {
        push(body);
        watchEnd(body.expiresAt);
      };
      if (active) watchEnd(sessions.endsAt(active.session));
      cleanup = () => {
        if (closed) return;
        closed = true;
        clearInterval(heartbeat);
        if (endTimer) clearTimeout(endTimer);
        unsubscribe();
        offResubscribed();
        try {
          controller.close();
        } catch {
          // Already closed by the reader.
        }
      };
      request.signal.addEventListener('abort', cleanup, { once: true });
    },
    cancel() {
      cleanup();
    },
  });
  return new Response(stream, {
    status: 200,
    headers: {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
      'X-Accel-Buffering': 'no',
    },
  });
}
