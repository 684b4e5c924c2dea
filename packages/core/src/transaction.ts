import { LatchkeyError } from './errors.ts';

/** What a sign-in needs to survive the redirect: kept in sessionStorage, keyed by `state`, used once. */
export interface LoginTransaction {
  readonly issuer: string;
  readonly client_id: string;
  readonly redirect_uri: string;
  readonly code_verifier: string;
  readonly nonce: string;
  readonly return_to: string;
  readonly created_at_ms: number;
}

/** The part of `Storage` a transaction needs; sessionStorage in a browser. */
export type TransactionStorage = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> & Partial<Pick<Storage, 'key' | 'length'>>;

const PREFIX = 'latchkey.tx.';
// A sign-in left unfinished this long is abandoned: its transaction is refused, and pruned at the next one.
const MAX_AGE_MS = 60 * 60 * 1000;

function unavailable(cause: unknown): LatchkeyError {
  return new LatchkeyError(
    'LATCHKEY_STORAGE_UNAVAILABLE',
    'Sign-in needs sessionStorage to survive the redirect to the provider, and this browser refused it (private mode, full or blocked storage). Allow site storage and sign in again.',
    { name: cause instanceof Error ? cause.name : 'Error' },
  );
}

/**
 * Saves a transaction and reads it back, so a storage that silently drops writes fails here with a
 * clear error instead of after the redirect.
 *
 * @throws LatchkeyError `LATCHKEY_STORAGE_UNAVAILABLE`
 */
export function saveTransaction(storage: TransactionStorage, state: string, tx: LoginTransaction, nowMs: number): void {
  try {
    prune(storage, nowMs);
    const value = JSON.stringify(tx);
    storage.setItem(PREFIX + state, value);
    if (storage.getItem(PREFIX + state) !== value) throw new Error('transaction did not persist');
  } catch (cause) {
    throw unavailable(cause);
  }
}

/**
 * Takes the transaction for `state` out of storage: it is deleted on first use, whatever it holds, and
 * so are this tab's other unfinished sign-ins (Log In clicked twice, Back from the provider), which no
 * redirect may complete after this one. One older than an hour is refused.
 */
export function takeTransaction(storage: TransactionStorage, state: string, nowMs: number): LoginTransaction | undefined {
  let raw: string | null;
  try {
    raw = storage.getItem(PREFIX + state);
    storage.removeItem(PREFIX + state);
    prune(storage, nowMs, true);
  } catch (cause) {
    throw unavailable(cause);
  }
  if (raw === null) return undefined;
  try {
    const tx = JSON.parse(raw) as Partial<LoginTransaction> | null;
    const fields = ['issuer', 'client_id', 'redirect_uri', 'code_verifier', 'nonce', 'return_to'] as const;
    if (!tx || fields.some((f) => typeof tx[f] !== 'string') || typeof tx.created_at_ms !== 'number') return undefined;
    if (!(nowMs - tx.created_at_ms <= MAX_AGE_MS && tx.created_at_ms <= nowMs + 60_000)) return undefined;
    return tx as LoginTransaction;
  } catch {
    return undefined;
  }
}

function prune(storage: TransactionStorage, nowMs: number, all = false): void {
  if (typeof storage.key !== 'function' || typeof storage.length !== 'number') return;
  const stale: string[] = [];
  for (let i = 0; i < storage.length; i++) {
    const key = storage.key(i);
    if (!key?.startsWith(PREFIX)) continue;
    if (all) {
      stale.push(key);
      continue;
    }
    try {
      const created = (JSON.parse(storage.getItem(key) ?? 'null') as Partial<LoginTransaction> | null)?.created_at_ms;
      if (typeof created !== 'number' || nowMs - created > MAX_AGE_MS) stale.push(key);
    } catch {
      stale.push(key);
    }
  }
  for (const key of stale) storage.removeItem(key);
}
