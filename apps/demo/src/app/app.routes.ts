import type { Routes } from '@angular/router';
import { Home } from './home';
import { Login } from './login';

export const routes: Routes = [
  { path: '', component: Home, title: 'Latchkey demo' },
  { path: 'login', component: Login, title: 'Sign in — Latchkey demo' },
  { path: '**', redirectTo: '' },
];
