import { provideHttpClient, withFetch, withInterceptors } from '@angular/common/http';
import { provideBrowserGlobalErrorListeners, provideZonelessChangeDetection, type ApplicationConfig } from '@angular/core';
import { provideClientHydration, withNoIncrementalHydration } from '@angular/platform-browser';
import { provideRouter, withComponentInputBinding } from '@angular/router';
import { authInterceptor, provideLatchkey, withSessionWarning } from '@latchkey/angular';
import { routes } from './app.routes';
import { loadDemoConfig } from './demo-config';

export const appConfig: ApplicationConfig = {
  providers: [
    provideBrowserGlobalErrorListeners(),
    provideZonelessChangeDetection(),
    // Hydration without event replay (incremental hydration turns it on): its inline script would need
    // the Content-Security-Policy to allow inline scripts.
    provideClientHydration(withNoIncrementalHydration()),
    provideRouter(routes, withComponentInputBinding()),
    provideHttpClient(withFetch(), withInterceptors([authInterceptor])),
    provideLatchkey(loadDemoConfig, withSessionWarning({ beforeSeconds: 60 })),
  ],
};
