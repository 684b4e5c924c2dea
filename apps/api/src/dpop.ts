import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { decodeJwt, decodeProtectedHeader } from 'jose';

/**
 * How far a proof's `iat` may be from now, either way, in seconds: oauth4webapi's fixed window for DPoP
 * proofs at a resource server (RFC 9449 §11.1). The replay cache remembers a proof for as long.
 */
export const PROOF_IAT_WINDOW_S = 300;

/**
 * The Fetch API `Request` oauth4webapi's `validateJwtAccessToken` verifies: the method, the Authorization
 * and DPoP headers only, and a URL on `publicOrigin`, the origin the proofs' `htu` must name. Only the path
 * and query come from the request: never its Host or X-Forwarded-* headers, and an absolute-form target
 * (`GET http://other.example/api/private`) or a `//host/…` path cannot choose the origin either.
 */
export function toFetchRequest(req: IncomingMessage, publicOrigin: string): Request {
  const target = new URL(req.url ?? '/', 'http://target.invalid');
  const url = new URL(publicOrigin);
  url.pathname = target.pathname;
  url.search = target.search;
  const headers = new Headers();
  if (req.headers.authorization !== undefined) headers.set('authorization', req.headers.authorization);
  // Node joins repeated unknown headers with ", "; more than one DPoP header is refused before this.
  const [proof, ...more] = req.headersDistinct['dpop'] ?? [];
  if (proof !== undefined && more.length === 0) headers.set('dpop', proof);
  return new Request(url, { method: req.method ?? 'GET', headers });
}

/** A DPoP proof as it was sent, decoded but not verified: oauth4webapi verifies it. */
export interface ProofParts {
  readonly header: Readonly<Record<string, unknown>>;
  readonly claims: Readonly<Record<string, unknown>>;
  /** `<header>.<payload>`, what the signature covers. */
  readonly signingInput: string;
}

/**
 * The proof's header and claims when it is a compact JWS whose header and payload are JSON objects, decoded
 * with jose; otherwise undefined. Everything else (its `typ`, `alg`, public `jwk`, signature) is oauth4webapi's.
 */
export function readProof(proof: string): ProofParts | undefined {
  try {
    return { header: decodeProtectedHeader(proof), claims: decodeJwt(proof), signingInput: proof.slice(0, proof.lastIndexOf('.')) };
  } catch {
    return undefined;
  }
}

/**
 * The proofs accepted within their `iat` window (RFC 9449 §11.1), so that each is accepted once: a proof is
 * remembered (by a hash of its key's thumbprint and its `jti`) until its window has closed, and forgotten
 * then. It never holds more than `maxEntries`: when full of proofs still in their window it answers `full`
 * rather than forget one that could still be replayed.
 */
export class ProofReplayCache {
  readonly #maxEntries: number;
  readonly #now: () => number;
  /** Hash of (jkt, jti) → when the proof's window closes (ms). */
  readonly #closes = new Map<string, number>();
  #nextSweep = 0;

  constructor(maxEntries = 10_000, now: () => number = Date.now) {
    this.#maxEntries = maxEntries;
    this.#now = now;
  }

  get size(): number {
    return this.#closes.size;
  }

  /** Records the use of the proof `jti` with key `jkt` issued at `iat` (seconds): `fresh` the first time. */
  use(jkt: string, jti: string, iat: number): 'fresh' | 'replay' | 'full' {
    const now = this.#now();
    const key = createHash('sha256').update(`${jkt}\u0000${jti}`).digest('base64url');
    const closes = this.#closes.get(key);
    if (closes !== undefined && closes > now) return 'replay';
    if (now >= this.#nextSweep || this.#closes.size >= this.#maxEntries) this.#sweep(now);
    if (!this.#closes.has(key) && this.#closes.size >= this.#maxEntries) return 'full';
    // oauth4webapi accepts the proof while floor(now / 1000) - iat <= the window; a second more for margin.
    this.#closes.set(key, (iat + PROOF_IAT_WINDOW_S + 2) * 1000);
    return 'fresh';
  }

  #sweep(now: number): void {
    for (const [key, closes] of this.#closes) if (closes <= now) this.#closes.delete(key);
    this.#nextSweep = now + 10_000;
  }
}

interface Nonce {
  readonly value: string;
  readonly issuedAt: number;
}

/**
 * The API's own DPoP nonces (RFC 9449 §9): random (node:crypto), a new one every `rotateMs`. A proof may
 * carry the current or the previous nonce, so a nonce is accepted for less than 2 × `rotateMs` after it
 * was issued, and a client that keeps calling is told the new one before its own stops working.
 */
export class DpopNonces {
  readonly #rotateMs: number;
  readonly #now: () => number;
  #current: Nonce;
  #previous: Nonce | undefined;

  constructor(rotateMs = 5 * 60_000, now: () => number = Date.now) {
    this.#rotateMs = rotateMs;
    this.#now = now;
    this.#current = { value: randomBytes(32).toString('base64url'), issuedAt: now() };
  }

  /** The nonce to hand out (DPoP-Nonce). */
  current(): string {
    this.#rotate();
    return this.#current.value;
  }

  /** Whether a proof's `nonce` claim is one of this API's nonces, still accepted. */
  accepts(nonce: unknown): boolean {
    this.#rotate();
    const now = this.#now();
    return (
      typeof nonce === 'string' &&
      [this.#current, this.#previous].some((known) => known?.value === nonce && now - known.issuedAt < 2 * this.#rotateMs)
    );
  }

  #rotate(): void {
    const now = this.#now();
    if (now - this.#current.issuedAt < this.#rotateMs) return;
    this.#previous = this.#current;
    this.#current = { value: randomBytes(32).toString('base64url'), issuedAt: now };
  }
}
