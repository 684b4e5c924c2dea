import { ChangeDetectionStrategy, Component, inject } from '@angular/core';
import { RouterLink, RouterLinkActive, RouterOutlet } from '@angular/router';
import { Auth } from '@latchkey/angular';
import { SessionPanel } from './session-panel';

@Component({
  selector: 'app-root',
  imports: [RouterLink, RouterLinkActive, RouterOutlet, SessionPanel],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <header class="navbar">
      <a class="brand" routerLink="/">Latchkey</a>
      <nav aria-label="Main">
        <a routerLink="/" routerLinkActive="active" [routerLinkActiveOptions]="{ exact: true }">Home</a>
        <a routerLink="/profile" routerLinkActive="active">Profile</a>
        <a routerLink="/api" routerLinkActive="active">API</a>
      </nav>
      <span class="spacer"></span>
      @switch (auth.status()) {
        @case ('authenticated') {
          <button type="button" class="btn" (click)="auth.logout()">Log Out</button>
        }
        @case ('anonymous') {
          <button type="button" class="btn btn-primary" (click)="auth.login()">Log In</button>
        }
        @default {
          <span class="btn-placeholder" aria-hidden="true" data-testid="auth-placeholder"></span>
        }
      }
    </header>
    @if (auth.error(); as error) {
      <div class="alert" role="alert">
        <p>
          <strong>{{ error.code }}</strong>
          {{ error.message }}
        </p>
        <button type="button" class="btn btn-small" (click)="auth.clearError()">Dismiss</button>
      </div>
    }
    <div class="layout">
      <main>
        <router-outlet />
      </main>
      <app-session-panel />
    </div>
  `,
})
export class App {
  protected readonly auth = inject(Auth);
}
