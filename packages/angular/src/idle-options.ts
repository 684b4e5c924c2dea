import { LatchkeyConfigError } from '@latchkey/core';
import type { IdleTimeoutOptions } from './latchkey-options';

/** @throws LatchkeyConfigError `LATCHKEY_CONFIG_INVALID` for a timeout that is not a positive number of minutes. */
export function checkIdleOptions(options: IdleTimeoutOptions): IdleTimeoutOptions {
  if (!(typeof options?.minutes === 'number' && options.minutes > 0 && Number.isFinite(options.minutes))) {
    throw new LatchkeyConfigError('The idle timeout\'s "minutes" must be a positive number, e.g. { minutes: 15 }.');
  }
  if (options.warnSeconds !== undefined && !(typeof options.warnSeconds === 'number' && options.warnSeconds >= 0)) {
    throw new LatchkeyConfigError('The idle timeout\'s "warnSeconds" must be 0 or more.');
  }
  return options;
}
