export type MaybePromise<T> = T | Promise<T>;

/** A store may answer with any promise-like (another realm's Promise, a library's own class). */
export function isThenable<T>(value: MaybePromise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | null | undefined)?.then === 'function';
}

/** Runs `fn` on `value` now when it is there, or when it resolves: a sync store stays sync. */
export function whenReady<T, R>(value: MaybePromise<T>, fn: (value: T) => MaybePromise<R>): MaybePromise<R> {
  return isThenable(value) ? Promise.resolve(value).then(fn) : fn(value);
}
