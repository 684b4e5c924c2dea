export { createSession } from './create-session.ts';
export type {
  AccessTokenOptions,
  AuthenticatedEvent,
  DpopKeyStore,
  LoginOptions,
  Session,
  SessionEvents,
  SessionPorts,
  SessionState,
  SessionStatus,
  TokenSession,
} from './types.ts';
