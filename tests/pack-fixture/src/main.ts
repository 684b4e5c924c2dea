// The app as a user writes it, against the packages as npm installs them (the pack test, e2e/pack).
import { provideBrowserGlobalErrorListeners, provideZonelessChangeDetection } from '@angular/core';
import { bootstrapApplication } from '@angular/platform-browser';
import { provideLatchkey, withStore } from '@latchkey/angular';
// Straight from the peer dependency: the app and the adapter share its one copy.
import { sessionStore } from '@latchkey/core';
import { App } from './app';

bootstrapApplication(App, {
  providers: [
    provideBrowserGlobalErrorListeners(),
    provideZonelessChangeDetection(),
    // The provider comes with the page's run-time configuration (the pack test starts the bundled dev provider).
    provideLatchkey(async () => (await fetch('/config.json')).json(), withStore(sessionStore())),
  ],
}).catch((error: unknown) => console.error(error));
