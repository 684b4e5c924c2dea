// A small load balancer for the many-node BFF tests: the stand-in for the one an app runs behind (not a mock of
// anything Latchkey talks to). Round-robin per request over the nodes that accept a connection, bodies streamed
// both ways (server-sent events included), and rules the test sets to pin a path to one node, so a cross-node
// delivery is proven deterministically. Every answer names its node in a header, and every request is logged.
import { createServer, request as forward, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';

/** The response header naming the node that answered (for the test's eyes). */
export const SERVED_BY = 'x-served-by';

export interface BalancedNode {
  readonly name: string;
  readonly port: number;
}

/** One request as the balancer passed it on. */
export interface Passage {
  /** When it arrived (epoch ms). */
  readonly at: number;
  readonly method: string;
  /** Path and query. */
  readonly path: string;
  /** The node it went to; `null` while none took it, or when none did (then a 502). */
  node: string | null;
  /** The answer's status; `0` until it comes, or when the node died before answering. */
  status: number;
}

export interface LoadBalancer {
  readonly origin: string;
  /** Every request so far, in the order they came. */
  readonly log: readonly Passage[];
  /** Sends the requests whose path (without the query) matches to `node` first; the others stay round-robin. */
  pin(path: RegExp, node: string): void;
  unpinAll(): void;
  close(): Promise<void>;
}

// What concerns one connection only: never forwarded.
const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade'];

/** A connection to the node, or `undefined` when it refuses (down: the next one is tried, as a health check would). */
function connectTo(port: number): Promise<Socket | undefined> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const refused = () => {
      socket.destroy();
      resolve(undefined);
    };
    socket.once('error', refused);
    socket.once('connect', () => {
      socket.off('error', refused);
      socket.setNoDelay(true);
      resolve(socket);
    });
  });
}

function withoutHopByHop<T extends Record<string, unknown>>(headers: T): T {
  const copy = { ...headers };
  for (const name of HOP_BY_HOP) delete copy[name];
  return copy;
}

/** Starts the balancer on `127.0.0.1:port`, in front of `nodes`; its origin is `http://localhost:port`. */
export async function startLoadBalancer(port: number, nodes: readonly BalancedNode[]): Promise<LoadBalancer> {
  const log: Passage[] = [];
  const pins: { path: RegExp; node: string }[] = [];
  const sockets = new Set<Socket>();
  let turn = 0;

  const order = (path: string): BalancedNode[] => {
    const pathname = path.split('?')[0] ?? path;
    const pinned = pins.find((pin) => pin.path.test(pathname))?.node;
    const start = pinned === undefined ? turn++ % nodes.length : nodes.findIndex((node) => node.name === pinned);
    return [...nodes.slice(start), ...nodes.slice(0, start)];
  };

  const pass = (req: IncomingMessage, res: ServerResponse, socket: Socket, node: BalancedNode, entry: Passage) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    const upstream = forward({
      method: req.method,
      path: req.url,
      headers: { ...withoutHopByHop(req.headers), connection: 'close' } as OutgoingHttpHeaders,
      createConnection: () => socket,
    });
    upstream.on('response', (answer) => {
      entry.status = answer.statusCode ?? 0;
      res.writeHead(answer.statusCode ?? 502, answer.statusMessage, { ...withoutHopByHop(answer.headers), [SERVED_BY]: node.name });
      res.flushHeaders();
      answer.pipe(res);
      // The node died mid-answer (SIGKILL): the browser must see the connection fail, not a short answer.
      answer.once('close', () => {
        if (!answer.complete) res.destroy();
      });
    });
    upstream.on('error', () => {
      if (res.headersSent) return void res.destroy();
      res.writeHead(502, { 'content-type': 'text/plain', [SERVED_BY]: node.name }).end(`node ${node.name} failed mid-request`);
    });
    // The browser went away (a closed event stream, a page left): so does the request to the node.
    res.once('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    req.pipe(upstream);
  };

  const server = createServer({ noDelay: true }, (req, res) => {
    const entry: Passage = { at: Date.now(), method: req.method ?? 'GET', path: req.url ?? '/', node: null, status: 0 };
    log.push(entry);
    void (async () => {
      for (const node of order(entry.path)) {
        const socket = await connectTo(node.port);
        if (!socket) continue;
        entry.node = node.name;
        return pass(req, res, socket, node, entry);
      }
      entry.status = 502;
      res.writeHead(502, { 'content-type': 'text/plain' }).end('no node is up');
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return {
    origin: `http://localhost:${port}`,
    log,
    pin(path, node) {
      if (!nodes.some((n) => n.name === node)) throw new Error(`load balancer: no node "${node}"`);
      pins.unshift({ path, node });
    },
    unpinAll: () => void pins.splice(0),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
