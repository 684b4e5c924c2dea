export { createSession } from './create-session.ts';
export type {
  AccessTokenOptions,
  AuthenticatedEvent,
  LoginOptions,
  Session,
  SessionEvents,
  SessionPorts,
  SessionState,
  SessionStatus,
} from './types.ts';
