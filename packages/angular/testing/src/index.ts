export { provideLatchkeyTesting } from './provide-latchkey-testing';
export { TestingSession, type TestingSessionOptions, type TestingUser } from './testing-session';
