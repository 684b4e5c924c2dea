import { ChangeDetectionStrategy, Component } from '@angular/core';

/**
 * `/callback`: Latchkey completes the sign-in before the router starts and replaces this URL with the
 * page the user came from, so this only shows if the app is loaded there without a sign-in to finish.
 */
@Component({
  selector: 'app-callback',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `<section class="card"><p class="muted">Signing you in…</p></section>`,
})
export class Callback {}
