import { isPlatformBrowser } from '@angular/common';
import { ChangeDetectionStrategy, Component, computed, DestroyRef, inject, PLATFORM_ID, signal } from '@angular/core';
import { Auth } from '@latchkey/angular';
import { DEMO_MODE } from './demo-config';

interface LoggedEvent {
  readonly at: number;
  readonly text: string;
}

function clock(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  const pad = (n: number) => String(n).padStart(2, '0');
  return hours > 0 ? `${hours}:${pad(minutes)}:${pad(seconds)}` : `${minutes}:${pad(seconds)}`;
}

/**
 * The live session panel: status, a countdown to the end, refreshes, the last events, and the
 * expiring-soon and idle warnings with "Stay signed in". Names, claims and times only — never a token.
 */
@Component({
  selector: 'app-session-panel',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <aside class="panel" aria-labelledby="session-panel-title">
      <h2 id="session-panel-title">Session</h2>
      <dl>
        <dt>Mode</dt>
        <dd data-testid="session-mode">{{ mode === 'bff' ? 'BFF (tokens on the server)' : 'browser' }}</dd>
        <dt>Status</dt>
        <dd data-testid="session-status">{{ auth.status() }}</dd>
        @if (auth.user(); as user) {
          <dt>User</dt>
          <dd>{{ user.name ?? user.sub }}</dd>
          @if (mode === 'browser') {
            <dt>Tokens</dt>
            <dd data-testid="token-binding">{{ auth.dpop() ? 'DPoP-bound to a key that cannot leave this browser' : 'Bearer' }}</dd>
          }
        }
        @if (remaining(); as left) {
          <dt>Ends in</dt>
          <dd>
            <span data-testid="countdown" role="timer">{{ left }}</span>
          </dd>
        }
        <dt>Refreshes</dt>
        <dd data-testid="refresh-count">{{ refreshes() }}</dd>
      </dl>
      @if (auth.expiringSoon()) {
        <div class="warning" role="status">
          <p>Your session ends in {{ remaining() }}.</p>
          <button type="button" class="btn btn-primary btn-small" (click)="auth.staySignedIn()">Stay signed in</button>
        </div>
      }
      @if (idleLeft(); as left) {
        <div class="warning" role="status" data-testid="idle-warning">
          <p>You have been inactive. You will be signed out in {{ left }}.</p>
          <button type="button" class="btn btn-primary btn-small" (click)="auth.staySignedIn()">Stay signed in</button>
        </div>
      }
      <h3>Events</h3>
      <ol class="events" data-testid="events">
        @for (event of events(); track event.at + event.text) {
          <li>
            <time>{{ time(event.at) }}</time> {{ event.text }}
          </li>
        } @empty {
          <li class="muted">None yet.</li>
        }
      </ol>
    </aside>
  `,
})
export class SessionPanel {
  protected readonly auth = inject(Auth);
  protected readonly mode = inject(DEMO_MODE);
  readonly #now = signal(Date.now());
  protected readonly refreshes = signal(0);
  protected readonly events = signal<LoggedEvent[]>([]);
  protected readonly remaining = computed(() => {
    const expiresAt = this.auth.expiresAt();
    return expiresAt === null ? null : clock(expiresAt - this.#now());
  });
  protected readonly idleLeft = computed(() => {
    const at = this.auth.idleSignOutAt();
    return at === null ? null : clock(at - this.#now());
  });

  constructor() {
    // The server renders the panel without a clock or events: both are the browser's.
    if (!isPlatformBrowser(inject(PLATFORM_ID))) return;
    const timer = setInterval(() => this.#now.set(Date.now()), 1000);

    const offs = [
      this.auth.on('authenticated', (e) => this.#log(`signed in: ${e.idTokenPayload.name ?? e.idTokenPayload.sub}`)),
      this.auth.on('refreshed', () => {
        this.refreshes.update((n) => n + 1);
        this.#log('tokens refreshed');
      }),
      this.auth.on('expiringSoon', () => this.#log('expiring soon')),
      this.auth.on('expired', () => this.#log('session expired')),
      this.auth.on('loggedOut', (e) => this.#log(e.elsewhere ? 'signed out in another tab' : 'signed out')),
      this.auth.on('error', (e) => this.#log(`error ${e.code}`)),
      this.auth.on('storeDegraded', (e) => this.#log(`storage unavailable (${e.name}): session kept in memory`)),
    ];
    inject(DestroyRef).onDestroy(() => {
      clearInterval(timer);
      for (const off of offs) off();
    });
  }

  #log(text: string): void {
    this.events.update((all) => [{ at: Date.now(), text }, ...all].slice(0, 8));
  }

  protected time(at: number): string {
    return new Date(at).toLocaleTimeString();
  }
}
