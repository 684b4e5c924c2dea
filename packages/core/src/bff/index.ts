// `@latchkey/core/bff`: the wire contract between the BFF (`@latchkey/bff`, on the server) and the
// browser side, with the checks both sides share, and the browser side itself.
export { createBffSession } from './create-bff-session.ts';
export type { BffSessionOptions } from './bff-options.ts';
export type { BffEventSource, BffSessionPorts } from './bff-ports.ts';
export type { BffSession } from './bff-session.ts';
export { CALLBACK_ERROR_PARAM } from './callback-error.ts';
export { parseBffSessionBody, type CheckedSessionBody } from './session-body.ts';
export * from './wire.ts';
