import { ChangeDetectionStrategy, Component, inject, input, type OnInit } from '@angular/core';
import { Auth } from '@latchkey/angular';

/**
 * `/login?returnTo=/somewhere`: starts the sign-in and comes back to `returnTo` — same origin only,
 * whatever the link says (Latchkey resolves it against the origin and keeps path, query and hash).
 */
@Component({
  selector: 'app-login',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `<section class="card">
    @if (auth.error()) {
      <p>Sign-in could not start. <button type="button" class="btn btn-primary" (click)="start()">Try again</button></p>
    } @else {
      <p class="muted">Taking you to sign in…</p>
    }
  </section>`,
})
export class Login implements OnInit {
  protected readonly auth = inject(Auth);
  readonly returnTo = input<string>();

  ngOnInit(): void {
    this.start();
  }

  protected start(): void {
    void this.auth.login({ returnTo: this.returnTo() ?? '/' });
  }
}
