import { expect } from 'vitest';
import { LatchkeyError } from '../errors.ts';

/** Awaits a promise that must reject with a `LatchkeyError`, and returns that error. */
export async function failureOf(promise: Promise<unknown>): Promise<LatchkeyError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(LatchkeyError);
  return error as LatchkeyError;
}
