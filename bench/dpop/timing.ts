// What the DPoP page is given and answers: shared by the page (page-main.ts) and the runner (run-dpop.ts).

export interface DpopPageInput {
  /** The loopback API the page calls, cross-origin: `http://127.0.0.1:<port>/api/private`. */
  readonly apiUrl: string;
  /** A fake access token (JWT-shaped), sent as is; its SHA-256 is each proof's `ath`. */
  readonly accessToken: string;
  /** Rounds that count (odd, so the median is one of them). */
  readonly rounds: number;
  readonly warmupRounds: number;
  /** Operations in one timed batch: the page's clock ticks in 100 µs (not cross-origin isolated), a batch's mean does not. */
  readonly batch: number;
  /** The page stops starting rounds after this long, done or not. */
  readonly deadlineMs: number;
}

/** One measure: the median over the counted rounds of each round's batch mean. */
export interface DpopTiming {
  readonly medianUs: number;
  readonly minUs: number;
  readonly maxUs: number;
  /** Batches counted (one per round). */
  readonly batches: number;
  /** Operations counted: batches × batch size. */
  readonly samples: number;
}

export type DpopMeasure = 'proof' | 'bearerCall' | 'dpopCall';

export interface DpopPageResult {
  readonly timings: Readonly<Record<DpopMeasure, DpopTiming>>;
  /** The median over the rounds of each round's DPoP call minus its Bearer call (batch means, µs): paired, so drift cancels. */
  readonly pairedAddedUs: number;
  /** The last proof's length, in characters (what the `DPoP` header carries). */
  readonly proofLength: number;
  /** Fewer rounds than asked when the deadline came first. */
  readonly truncated: boolean;
  readonly crossOriginIsolated: boolean;
}
