// The session checks in Chromium: the page's real localStorage, Latchkey with the browser's own ports,
// and Latchkey's Angular signal as a template reads it (the published @latchkey/angular, JIT-linked).
// First: the partial Ivy declarations of @latchkey/angular and angular-jwt are linked by the JIT compiler as they load.
import '@angular/compiler';
import { provideZonelessChangeDetection } from '@angular/core';
import { createApplication } from '@angular/platform-browser';
import { Auth, provideLatchkey } from '@latchkey/angular';
import { sessionChecks } from './checks.ts';
import type { SessionCheckInput } from './id-token.ts';
import { timeInterleaved, type CheckTiming } from './timing.ts';

declare global {
  interface Window {
    runSessionChecks(input: SessionCheckInput & { rounds: number; batchMs: number }): Promise<CheckTiming[]>;
  }
}

window.runSessionChecks = async (input) => {
  const checks = sessionChecks(input);
  // Restores the same stored session (sessionChecks wrote it), before the app's first render.
  const app = await createApplication({
    providers: [provideZonelessChangeDetection(), provideLatchkey({ issuer: input.issuer, clientId: input.clientId })],
  });
  const auth = app.injector.get(Auth);
  checks.splice(1, 0, { name: 'latchkey-signal', run: () => auth.authenticated() });
  return timeInterleaved(checks, { now: () => performance.now(), rounds: input.rounds, warmupRounds: 3, batchMs: input.batchMs });
};
