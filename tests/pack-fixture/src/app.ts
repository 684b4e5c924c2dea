import { ChangeDetectionStrategy, Component, inject } from '@angular/core';
import { Auth } from '@latchkey/angular';

@Component({
  selector: 'app-root',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <h1>Latchkey pack fixture</h1>
    @switch (auth.status()) {
      @case ('authenticated') {
        <button type="button" (click)="auth.logout()">Log Out</button>
        <p>Signed in as {{ auth.user()?.name }}</p>
      }
      @case ('anonymous') {
        <button type="button" (click)="auth.login()">Log In</button>
      }
      @default {
        <p>Loading…</p>
      }
    }
    @if (auth.error(); as error) {
      <p role="alert">{{ error.code }}</p>
    }
  `,
})
export class App {
  protected readonly auth = inject(Auth);
}
