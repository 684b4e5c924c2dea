import { HttpClient, HttpErrorResponse } from '@angular/common/http';
import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import { Auth } from '@latchkey/angular';
import { firstValueFrom } from 'rxjs';
import { DEMO_MODE, demoConfig } from './demo-config';

interface Answer {
  readonly label: string;
  readonly status: number;
  readonly body: string;
}

/** Calls the demo API's public and private endpoints and shows the answers and status codes. */
@Component({
  selector: 'app-api-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <section class="card">
      <h1>API</h1>
      @if (mode === 'bff') {
        <p class="muted">
          Requests go to the BFF's proxy, <code>{{ api }}</code>: the server attaches your access token, which never reaches this page (the
          interceptor adds only the CSRF header).
        </p>
      } @else {
        <p class="muted">
          Requests to <code>{{ api }}</code> carry your access token (the interceptor adds
          @if (auth.dpop()) {
            <code>Authorization: DPoP …</code> and a fresh <code>DPoP</code> proof
          } @else {
            <code>Authorization: Bearer …</code>
          }
          for that origin only).
        </p>
      }
      <div class="actions">
        <button type="button" class="btn" (click)="call('Public endpoint', '/api/public')">Call public API</button>
        <button type="button" class="btn btn-primary" (click)="call('Private endpoint', '/api/private')">Call private API</button>
        <button type="button" class="btn" (click)="callWithoutToken()">Call private API without a token</button>
        <button type="button" class="btn" (click)="callOtherOrigin()">Call another origin</button>
      </div>
      @for (answer of answers(); track $index) {
        <article class="answer" [class.ok]="answer.status < 400" aria-live="polite">
          <h2>
            {{ answer.label }} — <span data-testid="status">{{ answer.status }}</span>
          </h2>
          <pre>{{ answer.body }}</pre>
        </article>
      }
      @if (!auth.authenticated()) {
        <p class="muted">Signed out, the private endpoint answers 401.</p>
      }
    </section>
  `,
})
export class ApiPage {
  protected readonly auth = inject(Auth);
  protected readonly mode = inject(DEMO_MODE);
  readonly #http = inject(HttpClient);
  protected readonly api = demoConfig()?.api ?? '';
  protected readonly answers = signal<Answer[]>([]);

  #show(answer: Answer): void {
    this.answers.update((all) => [answer, ...all].slice(0, 4));
  }

  protected async call(label: string, path: string, base = this.api): Promise<void> {
    try {
      const response = await firstValueFrom(this.#http.get<unknown>(base + path, { observe: 'response' }));
      const body = JSON.stringify(response.body, null, 2);
      this.#show({ label, status: response.status, body: body.length > 600 ? `${body.slice(0, 600)}…` : body });
    } catch (error) {
      const status = error instanceof HttpErrorResponse ? error.status : 0;
      const body = error instanceof HttpErrorResponse ? JSON.stringify(error.error, null, 2) : 'The request failed.';
      this.#show({ label, status, body });
    }
  }

  /** Through the interceptor to an origin not in `tokenFor` (the provider's discovery): it gets no token. */
  protected async callOtherOrigin(): Promise<void> {
    const issuer = demoConfig()?.issuer ?? '';
    await this.call('Another origin (the provider), no token sent', `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`, '');
  }

  /** Straight through fetch, past the interceptor: what the API says to a request with no token. */
  protected async callWithoutToken(): Promise<void> {
    const label = 'Private endpoint, no token';
    try {
      const response = await fetch(`${this.api}/api/private`);
      const challenge = response.headers.get('WWW-Authenticate');
      this.#show({
        label,
        status: response.status,
        body: `${challenge ? `WWW-Authenticate: ${challenge}\n` : ''}${await response.text()}`,
      });
    } catch {
      this.#show({ label, status: 0, body: 'The request failed.' });
    }
  }
}
