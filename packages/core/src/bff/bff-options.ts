import { LatchkeyConfigError } from '../errors.ts';
import { parseBffSessionBody, type CheckedSessionBody } from './session-body.ts';
import { DEFAULT_BFF_BASE, type BffSessionBody } from './wire.ts';

/** How the browser side of BFF mode reaches the app's server, and how it behaves. */
export interface BffSessionOptions {
  /**
   * The BFF's base path on the page's own origin, e.g. `/bff` (the default) or `/auth/`: a path
   * starting with `/`, no host, query or hash (the browser must send the session cookie).
   */
  readonly baseUrl?: string;
  /** How long before the end the session is "expiring soon", at most half its remaining lifetime. Default 60. */
  readonly warnBeforeSeconds?: number;
  /** `endSession`: after signing out, end the provider's session too (navigates away). Default `false`. */
  readonly logout?: { readonly endSession?: boolean };
  /**
   * The session as the server that rendered the page saw it (the Angular adapter passes it through
   * `TransferState`): the state starts from it at once, with no `loading` flash, and is confirmed by a
   * read. Anything that is not a session body is ignored (the session then starts `loading`).
   */
  readonly initialState?: BffSessionBody;
}

export interface ResolvedBffOptions {
  /** The base path without a trailing slash (`''` for `/`). */
  readonly base: string;
  readonly warnBeforeMs: number;
  readonly endSession: boolean;
  readonly initialState: CheckedSessionBody | undefined;
}

// A leading `/`, then segments of unreserved characters only, none `.` or `..`: no `//host`, `\`,
// dot-segment tricks, query, hash or encoding.
const BASE_PATH = /^(?=\/)(?:\/(?!\.\.?(?:\/|$))[\w.~-]+)*\/?$/;

/**
 * Checks the options and fills in the defaults.
 *
 * @throws LatchkeyConfigError `LATCHKEY_CONFIG_INVALID` for a base that is not a same-origin path, a
 *   negative or non-numeric `warnBeforeSeconds`, a non-boolean `logout.endSession`
 */
export function resolveBffOptions(options: BffSessionOptions = {}): ResolvedBffOptions {
  const { baseUrl = DEFAULT_BFF_BASE, warnBeforeSeconds = 60, logout = {} } = options;
  if (
    typeof baseUrl !== 'string' ||
    !BASE_PATH.test(baseUrl) ||
    !(Number.isFinite(warnBeforeSeconds) && warnBeforeSeconds >= 0) ||
    Object(logout) !== logout ||
    ![undefined, true, false].includes(logout.endSession)
  ) {
    throw new LatchkeyConfigError(
      "createBffSession: baseUrl must be a path on the page's own origin (like '/bff'), warnBeforeSeconds 0 or more, logout.endSession true or false.",
    );
  }
  return {
    base: baseUrl.replace(/\/$/, ''),
    warnBeforeMs: warnBeforeSeconds * 1_000,
    endSession: logout.endSession ?? false,
    initialState: parseBffSessionBody(options.initialState),
  };
}
