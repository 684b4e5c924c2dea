import { DatePipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, inject } from '@angular/core';
import { Auth } from '@latchkey/angular';

@Component({
  selector: 'app-home',
  imports: [DatePipe],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <section class="card">
      <h1>Session handling</h1>
      @switch (auth.status()) {
        @case ('authenticated') {
          <p class="greeting">Signed in as {{ auth.user()?.name ?? auth.user()?.sub }}</p>
          @if (auth.expiresAt(); as expiresAt) {
            <p>
              Your session expires at
              <time [attr.datetime]="expiresAt | date: 'yyyy-MM-ddTHH:mm:ssZ'" [attr.data-expires-at]="expiresAt">{{
                expiresAt | date: 'mediumTime'
              }}</time>
              @if (auth.expiringSoon()) {
                <strong class="soon">— soon</strong>
              }
            </p>
          }
        }
        @case ('anonymous') {
          <p>You are signed out. <strong>Log In</strong> signs you in with the provider (Authorization Code + PKCE).</p>
        }
        @default {
          <p class="muted">Checking your session…</p>
        }
      }
    </section>
  `,
})
export class Home {
  protected readonly auth = inject(Auth);
}
