import { LatchkeyError, type LatchkeyErrorCode } from '@latchkey/core';
import { CSRF_HEADER, CSRF_VALUE } from '@latchkey/core/bff';

// Every BFF answer: never cached (they are about one user), never sniffed, no referrer leaves.
const BASE_HEADERS: Readonly<Record<string, string>> = {
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

/**
 * A JSON answer as plain values: what {@link json} sends, and what an adapter's fast path writes
 * without the Fetch API.
 */
export interface PlainAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Uint8Array<ArrayBuffer>;
}

/** A {@link PlainAnswer} as a Fetch API `Response`. */
export function toResponse(plain: PlainAnswer): Response {
  return new Response(plain.body, { status: plain.status, headers: plain.headers });
}

export function plainJson(status: number, body: unknown, headers: Readonly<Record<string, string>> = {}): PlainAnswer {
  const bytes = new TextEncoder().encode(JSON.stringify(body));
  // With its length, an adapter writes the answer in one go instead of streaming it.
  return {
    status,
    headers: { ...BASE_HEADERS, 'Content-Type': 'application/json', 'Content-Length': String(bytes.byteLength), ...headers },
    body: bytes,
  };
}

/** A coded failure as a {@link PlainAnswer}: `{ error: code, message }`, never a token (LatchkeyError messages are redacted). */
export function plainFailure(
  status: number,
  code: LatchkeyErrorCode,
  message: string,
  headers: Readonly<Record<string, string>> = {},
): PlainAnswer {
  return plainJson(status, { error: code, message }, headers);
}

export function json(status: number, body: unknown, headers: HeadersInit = {}): Response {
  const response = toResponse(plainJson(status, body));
  for (const [name, value] of new Headers(headers)) response.headers.append(name, value);
  return response;
}

/** {@link plainFailure} as a `Response`. */
export function failure(
  status: number,
  code: LatchkeyErrorCode,
  message: string,
  headers: Readonly<Record<string, string>> = {},
): Response {
  return toResponse(plainFailure(status, code, message, headers));
}

/** A redirect; `setCookies` are `Set-Cookie` values. */
export function redirect(location: string, setCookies: readonly string[] = []): Response {
  const headers = new Headers({ ...BASE_HEADERS, Location: location });
  for (const cookie of setCookies) headers.append('Set-Cookie', cookie);
  return new Response(null, { status: 302, headers });
}

/** The status a LatchkeyError maps to when a BFF endpoint fails with it. */
export function statusFor(error: LatchkeyError): number {
  switch (error.code) {
    case 'LATCHKEY_LOGIN_REQUIRED':
    case 'LATCHKEY_REFRESH_REJECTED':
      return 401;
    case 'LATCHKEY_CSRF_REJECTED':
      return 403;
    case 'LATCHKEY_BFF_UNAVAILABLE':
      return 503;
    case 'LATCHKEY_PROVIDER_UNREACHABLE':
    case 'LATCHKEY_TOKEN_REQUEST_FAILED':
      return 502;
    default:
      return 400;
  }
}

/**
 * The CSRF checks on a request's headers (`header` reads one, lower-case, `null` when absent): `Origin`,
 * when present, the app's own; `Sec-Fetch-Site`, when present, `same-origin` (or `none` where no header is
 * required: a top-level navigation); and the custom header where it is required.
 */
export function passesCsrfChecks(header: (name: string) => string | null, appOrigin: string, requireHeader: boolean): boolean {
  const origin = header('origin');
  const site = header('sec-fetch-site');
  return (
    (origin === null || origin === appOrigin) &&
    (site === null || site === 'same-origin' || (!requireHeader && site === 'none')) &&
    (!requireHeader || header(CSRF_HEADER.toLowerCase()) === CSRF_VALUE)
  );
}

/**
 * The BCP's CSRF defence for every state-reading or state-changing endpoint: the static custom header
 * (a form cannot send it; a cross-origin fetch that does needs a preflight, never granted), and
 * `Origin` and `Sec-Fetch-Site`, when the browser sends them, the app's own.
 */
export function csrfFailure(request: Request, appOrigin: string, requireHeader: boolean): Response | undefined {
  if (passesCsrfChecks((name) => request.headers.get(name), appOrigin, requireHeader)) return undefined;
  return failure(403, 'LATCHKEY_CSRF_REJECTED', `Refused: BFF requests must come from ${appOrigin} with the ${CSRF_HEADER} header.`);
}

/** A store that failed: a coded 503, and nobody is signed out. */
export function plainUnavailable(): PlainAnswer {
  return plainFailure(503, 'LATCHKEY_BFF_UNAVAILABLE', 'The session store is unavailable; try again shortly. Nobody was signed out.', {
    'Retry-After': '1',
  });
}

/** {@link plainUnavailable} as a `Response`. */
export function unavailable(): Response {
  return toResponse(plainUnavailable());
}

/** Runs `work`; a store failure becomes the 503 above. */
export async function orUnavailable(work: () => Promise<Response>): Promise<Response> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof StoreUnavailable) return unavailable();
    throw error;
  }
}

/** A store call that failed (the store's own error stays in `cause`, never in an answer). */
export class StoreUnavailable extends Error {
  constructor(cause: unknown) {
    super('session store unavailable', { cause });
  }
}

export function isLatchkeyError(error: unknown): error is LatchkeyError {
  return error instanceof LatchkeyError;
}

/** An error as a log line may show it: its class and code, never its message (it may quote a value). */
export function describe(error: unknown): string {
  if (!(error instanceof Error)) return typeof error;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? `${error.name} (${code})` : error.name;
}
