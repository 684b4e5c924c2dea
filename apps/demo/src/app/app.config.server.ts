import { CSP_NONCE, inject, mergeApplicationConfig, REQUEST_CONTEXT, type ApplicationConfig } from '@angular/core';
import { provideServerRendering, withRoutes } from '@angular/ssr';
import { appConfig } from './app.config';
import type { DemoMode } from './demo-config';
import { serverRoutes } from './app.routes.server';

const serverConfig: ApplicationConfig = {
  providers: [
    provideServerRendering(withRoutes(serverRoutes)),
    // The response's nonce, so the server-rendered <style> elements pass the page's CSP.
    { provide: CSP_NONCE, useFactory: () => (inject(REQUEST_CONTEXT, { optional: true }) as { nonce?: string } | null)?.nonce ?? null },
  ],
};

// The server renders the mode it runs (LATCHKEY_MODE), and tells the page which (see demo-server.ts).
const mode: DemoMode = process.env['LATCHKEY_MODE'] === 'bff' ? 'bff' : 'browser';

export const config = mergeApplicationConfig(appConfig(mode), serverConfig);
