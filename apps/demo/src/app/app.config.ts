import { provideHttpClient, withFetch, withInterceptors } from '@angular/common/http';
import { provideBrowserGlobalErrorListeners, provideZonelessChangeDetection, type ApplicationConfig } from '@angular/core';
import { provideClientHydration, withNoIncrementalHydration } from '@angular/platform-browser';
import { provideRouter, withComponentInputBinding } from '@angular/router';
import { authInterceptor, provideLatchkey, provideLatchkeyBff, withSessionWarning } from '@latchkey/angular';
import { routes } from './app.routes';
import { DEMO_MODE, loadBffConfig, loadDemoConfig, type DemoMode } from './demo-config';

/**
 * The demo in either mode: the same app, the same `Auth`, guard and interceptor; only the
 * `provideLatchkey…` call differs. The server says which mode it runs (see main.ts).
 */
export function appConfig(mode: DemoMode): ApplicationConfig {
  return {
    providers: [
      { provide: DEMO_MODE, useValue: mode },
      provideBrowserGlobalErrorListeners(),
      provideZonelessChangeDetection(),
      // Hydration without event replay (incremental hydration turns it on): its inline script would need
      // the Content-Security-Policy to allow inline scripts.
      provideClientHydration(withNoIncrementalHydration()),
      provideRouter(routes, withComponentInputBinding()),
      provideHttpClient(withFetch(), withInterceptors([authInterceptor])),
      mode === 'bff'
        ? provideLatchkeyBff(loadBffConfig, withSessionWarning({ beforeSeconds: 60 }))
        : provideLatchkey(loadDemoConfig, withSessionWarning({ beforeSeconds: 60 })),
    ],
  };
}
