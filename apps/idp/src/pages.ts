import { accounts } from './accounts.ts';

const style = `
  :root { color-scheme: light dark; font-family: system-ui, sans-serif; }
  body { margin: 0; min-height: 100vh; display: grid; place-items: center; background: Canvas; }
  main { width: min(24rem, 92vw); padding: 2rem; border: 1px solid #8884; border-radius: 12px; }
  h1 { margin: 0 0 .25rem; font-size: 1.4rem; }
  p.sub { margin: 0 0 1.5rem; opacity: .75; }
  label { display: block; margin: .75rem 0 .25rem; font-weight: 600; }
  input { box-sizing: border-box; width: 100%; padding: .55rem .7rem; font: inherit; border-radius: 6px; border: 1px solid #8888; }
  button { margin-top: 1.25rem; width: 100%; padding: .65rem; font: inherit; font-weight: 600; border: 0; border-radius: 6px; background: #3b5bdb; color: #fff; cursor: pointer; }
  button.secondary { margin-top: .5rem; background: transparent; color: inherit; border: 1px solid #8888; }
  [role=alert] { margin: 1rem 0 0; padding: .6rem .75rem; border-radius: 6px; background: #e03131; color: #fff; }
  aside { margin-top: 1.5rem; font-size: .9rem; opacity: .8; }
  code { font-size: .95em; }
`;

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title><style>${style}</style></head>
<body><main>${body}</main></body></html>`;
}

/** The sign-in form of the dev provider, with the development-only accounts listed. */
export function loginPage(options: { action: string; clientName: string; username?: string; error?: string }): string {
  const list = accounts
    .map((a) => `<li><code>${escapeHtml(a.username)}</code> / <code>${escapeHtml(a.password)}</code> (${escapeHtml(a.claims.name)})</li>`)
    .join('');
  return page(
    'Sign in — Latchkey dev provider',
    `<h1>Sign in</h1>
<p class="sub">to ${escapeHtml(options.clientName)} with the Latchkey dev provider</p>
<form method="post" action="${escapeHtml(options.action)}">
  <label for="username">Username</label>
  <input id="username" name="username" autocomplete="username" required autofocus value="${escapeHtml(options.username ?? '')}">
  <label for="password">Password</label>
  <input id="password" name="password" type="password" autocomplete="current-password" required>
  ${options.error ? `<p role="alert">${escapeHtml(options.error)}</p>` : ''}
  <button type="submit">Sign in</button>
  <button type="submit" class="secondary" name="cancel" value="1" formnovalidate>Cancel</button>
</form>
<aside><strong>Development-only accounts</strong> (never use this provider in production):<ul>${list}</ul></aside>`,
  );
}

/**
 * RP-initiated logout without a confirmation screen: oidc-provider's own form, submitted at once.
 * `form` is oidc-provider's `<form id="op.logoutForm">` with its CSRF token.
 */
export function logoutPage(form: string): string {
  return page(
    'Signing out — Latchkey dev provider',
    `<h1>Signing out…</h1>${form}
<noscript><button type="submit" form="op.logoutForm" name="logout" value="yes">Sign out</button></noscript>
<script>
  const form = document.getElementById('op.logoutForm');
  const input = document.createElement('input');
  input.type = 'hidden'; input.name = 'logout'; input.value = 'yes';
  form.appendChild(input);
  form.submit();
</script>`,
  );
}

export function signedOutPage(): string {
  return page('Signed out — Latchkey dev provider', '<h1>Signed out</h1><p>You have signed out of the Latchkey dev provider.</p>');
}

export function errorPage(title: string, message: string): string {
  return page(`${title} — Latchkey dev provider`, `<h1>${escapeHtml(title)}</h1><p role="alert">${escapeHtml(message)}</p>`);
}

/** RP-initiated logout refused (an ID token hint it cannot verify): the app is signed out already. */
export function signOutErrorPage(message: string, appUrl: string): string {
  return page(
    'Sign-out — Latchkey dev provider',
    `<h1>Signed out of the app</h1>
<p>You are signed out of the app. The dev provider could not end its own session from this request:</p>
<p role="alert">${escapeHtml(message)}</p>
<p><a href="${escapeHtml(appUrl)}">Back to the app</a></p>`,
  );
}
