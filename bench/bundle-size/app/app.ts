import { HttpClient } from '@angular/common/http';
import { ChangeDetectionStrategy, Component, inject, provideZonelessChangeDetection, signal, type ApplicationConfig } from '@angular/core';
import { provideRouter, RouterLink, RouterOutlet, type Routes } from '@angular/router';
import { API_ORIGIN } from './auth-view';
import { auth } from './auth';

@Component({
  selector: 'app-home',
  template: `<p>Welcome.</p>`,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
class Home {}

@Component({
  selector: 'app-account',
  template: `<p>Your account.</p>
    <button type="button" (click)="load()">Call the API</button>
    <pre>{{ data() }}</pre>`,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
class Account {
  readonly #http = inject(HttpClient);
  protected readonly data = signal('');
  protected load(): void {
    this.#http.get(`${API_ORIGIN}/me`, { responseType: 'text' }).subscribe((text) => this.data.set(text));
  }
}

const routes: Routes = [
  { path: '', component: Home },
  { path: 'account', component: Account, canActivate: [auth.guard] },
  { path: '**', redirectTo: '' },
];

/** The app every library is measured in: Log In / Log Out, a guarded route, one API call. */
@Component({
  selector: 'app-root',
  imports: [RouterLink, RouterOutlet],
  template: `<nav>
      <a routerLink="/">Home</a> <a routerLink="/account">Account</a>
      @if (view.signedIn()) {
        <button type="button" (click)="view.logout()">Log Out</button>
      } @else {
        <button type="button" (click)="view.login()">Log In</button>
      }
    </nav>
    <router-outlet />`,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class App {
  protected readonly view = auth.injectView();
}

export const appConfig: ApplicationConfig = {
  providers: [provideZonelessChangeDetection(), provideRouter(routes), ...auth.providers],
};
