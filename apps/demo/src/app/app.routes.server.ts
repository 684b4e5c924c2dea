import { RenderMode, type ServerRoute } from '@angular/ssr';

/**
 * The server cannot see the browser's session: it renders public pages with a neutral placeholder
 * where the Log In / Log Out button goes, and leaves guarded pages and the sign-in redirects to the browser.
 */
export const serverRoutes: ServerRoute[] = [
  { path: 'profile', renderMode: RenderMode.Client },
  { path: 'login', renderMode: RenderMode.Client },
  { path: 'callback', renderMode: RenderMode.Client },
  { path: '**', renderMode: RenderMode.Server },
];
