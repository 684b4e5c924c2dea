import { ChangeDetectionStrategy, Component, inject } from '@angular/core';
import { RouterLink, RouterOutlet } from '@angular/router';
import { Auth } from '@latchkey/angular';

@Component({
  selector: 'app-root',
  imports: [RouterLink, RouterOutlet],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <header class="navbar">
      <a class="brand" routerLink="/">Latchkey</a>
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
    <main>
      <router-outlet />
    </main>
  `,
})
export class App {
  protected readonly auth = inject(Auth);
}
