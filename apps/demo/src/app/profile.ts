import { ChangeDetectionStrategy, Component, computed, inject } from '@angular/core';
import { Auth } from '@latchkey/angular';

const TIME_CLAIMS = new Set(['iat', 'exp', 'auth_time', 'nbf', 'updated_at']);

/** Profile (guarded): the ID token's claims as a table. Claims only — never a token. */
@Component({
  selector: 'app-profile',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <section class="card">
      <h1>Profile</h1>
      <p class="muted">The claims of your ID token, as Latchkey verified them at sign-in.</p>
      <table class="claims">
        <caption class="visually-hidden">
          ID token claims
        </caption>
        <thead>
          <tr>
            <th scope="col">Claim</th>
            <th scope="col">Value</th>
          </tr>
        </thead>
        <tbody>
          @for (row of claims(); track row.name) {
            <tr>
              <th scope="row">
                <code>{{ row.name }}</code>
              </th>
              <td>{{ row.value }}</td>
            </tr>
          }
        </tbody>
      </table>
    </section>
  `,
})
export class Profile {
  readonly #auth = inject(Auth);
  protected readonly claims = computed(() =>
    Object.entries(this.#auth.user() ?? {}).map(([name, value]) => ({
      name,
      value:
        TIME_CLAIMS.has(name) && typeof value === 'number'
          ? `${new Date(value * 1000).toLocaleString()} (${value})`
          : typeof value === 'string'
            ? value
            : JSON.stringify(value),
    })),
  );
}
