import type { Routes } from '@angular/router';
import { authGuard } from '@latchkey/angular';
import { ApiPage } from './api-page';
import { Callback } from './callback';
import { Home } from './home';
import { Login } from './login';
import { Profile } from './profile';

export const routes: Routes = [
  { path: '', component: Home, title: 'Latchkey demo' },
  { path: 'profile', component: Profile, canActivate: [authGuard], title: 'Profile — Latchkey demo' },
  { path: 'api', component: ApiPage, title: 'API — Latchkey demo' },
  { path: 'login', component: Login, title: 'Sign in — Latchkey demo' },
  { path: 'callback', component: Callback, title: 'Signing in — Latchkey demo' },
  { path: '**', redirectTo: '' },
];
