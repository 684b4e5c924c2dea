import { bootstrapApplication } from '@angular/platform-browser';
import { App } from './app/app';
import { appConfig } from './app/app.config';
import { demoModeOf } from './app/demo-config';

bootstrapApplication(App, appConfig(demoModeOf(document))).catch((error: unknown) => console.error(error));
