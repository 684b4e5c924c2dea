// A second, independent OpenID provider for the browser tests: Glewlwyd, as Debian packages it
// (apt package `glewlwyd`), run from a configuration and a database made here, in a temp dir, bound to
// 127.0.0.1. Its own login and consent pages, a public PKCE client for the demo, alice/alice.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { gunzipSync } from 'node:zlib';
import { exportPKCS8, exportSPKI, generateKeyPair } from 'jose';

export const GLEWLWYD_BIN = '/usr/bin/glewlwyd';
const SHARE = '/usr/share/glewlwyd/webapp';
const INIT_SQL = '/usr/share/doc/glewlwyd/database/init.sqlite3.sql.gz';
const WEBAPP_CONFIG = '/etc/glewlwyd/config-2.7.json/config.json';
/** The database the package's init script makes has this administrator. */
const ADMIN = { username: 'admin', password: 'password' };
export const PLUGIN = 'oidc';

export interface GlewlwydOptions {
  readonly port: number;
  /** The demo's origin: its client redirects there, and there only. */
  readonly demoOrigin: string;
  /** Access and ID token lifetime. */
  readonly tokenTtlSeconds: number;
}

export interface RunningGlewlwyd {
  readonly issuer: string;
  stop(): Promise<void>;
}

/** Says what is missing, with the command that installs it. */
export function glewlwydMissing(): string | undefined {
  for (const file of [GLEWLWYD_BIN, INIT_SQL, WEBAPP_CONFIG, SHARE]) {
    if (!existsSync(file)) return `Glewlwyd is not installed (${file} is missing): run "apt-get install -y glewlwyd" as root.`;
  }
  return undefined;
}

function libconfig(options: GlewlwydOptions, dir: string): string {
  const mime = [
    ['.html', 'text/html', 1],
    ['.css', 'text/css', 1],
    ['.js', 'application/javascript', 1],
    ['.json', 'application/json', 1],
    ['.png', 'image/png', 0],
    ['.jpg', 'image/jpeg', 0],
    ['.svg', 'image/svg+xml', 1],
    ['.ico', 'image/x-icon', 0],
    ['.woff', 'font/woff', 0],
    ['.woff2', 'font/woff2', 0],
    ['.ttf', 'font/ttf', 0],
  ] as const;
  return `port=${options.port}
bind_address="127.0.0.1"
external_url="http://localhost:${options.port}"
login_url="login.html"
api_prefix="api"
static_files_path="${dir}/webapp/"
allow_origin="${options.demoOrigin}"
allow_methods="GET, POST, PUT, DELETE, OPTIONS"
allow_headers="Origin, X-Requested-With, Content-Type, Accept, Bearer, Authorization, DPoP"
expose_headers="Content-Encoding, Authorization"
log_mode="console"
log_level="WARNING"
cookie_domain="localhost"
cookie_secure=0
cookie_same_site="lax"
session_expiration=86400
session_key="GLEWLWYD2_SESSION_ID"
admin_session_authentication="cookie"
profile_session_authentication="cookie"
allow_multiple_user_per_session=false
login_api_enabled=true
add_x_frame_option_header_deny=true
max_post_size=16778240
admin_scope="g_admin"
profile_scope="g_profile"
user_module_path="/usr/lib/glewlwyd/user"
client_module_path="/usr/lib/glewlwyd/client"
user_auth_scheme_module_path="/usr/lib/glewlwyd/scheme"
plugin_module_path="/usr/lib/glewlwyd/plugin"
hash_algorithm="SHA512"
database = { type = "sqlite3"; path = "${dir}/glewlwyd.db"; };
static_files_mime_types = (
${mime.map(([extension, type, compress]) => `  { extension = "${extension}"; mime_type = "${type}"; compress = ${compress}; }`).join(',\n')}
);
`;
}

/**
 * The package's login app, copied (Glewlwyd serves no file behind a link), with its configuration:
 * relative URLs, so it works on any port. The package's own config.json is a link into /etc.
 */
async function webapp(dir: string): Promise<void> {
  const target = join(dir, 'webapp');
  await cp(SHARE, target, { recursive: true, dereference: true, filter: (source) => source !== join(SHARE, 'config.json') });
  await writeFile(join(target, 'config.json'), await readFile(WEBAPP_CONFIG));
}

async function waitFor(url: string, child: ChildProcess, ms = 15_000): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`glewlwyd exited with ${child.exitCode} before answering ${url}`);
    try {
      const answer = await fetch(url);
      if (answer.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > until) throw new Error(`glewlwyd did not answer ${url} within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The admin API, as the package's administrator. */
async function adminApi(base: string) {
  const login = await fetch(`${base}/api/auth/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(ADMIN),
  });
  if (!login.ok) throw new Error(`glewlwyd: admin sign-in answered ${login.status}`);
  const cookie = (login.headers.getSetCookie()[0] ?? '').split(';')[0] as string;
  return async (method: string, path: string, body: unknown) => {
    const answer = await fetch(`${base}/api${path}`, {
      method,
      headers: { 'content-type': 'application/json', cookie },
      body: JSON.stringify(body),
    });
    if (!answer.ok) throw new Error(`glewlwyd: ${method} ${path} answered ${answer.status} ${await answer.text()}`);
  };
}

/** Starts Glewlwyd in a fresh temp dir and configures it for the demo; `stop()` ends it and removes the dir. */
export async function startGlewlwyd(options: GlewlwydOptions): Promise<RunningGlewlwyd> {
  const missing = glewlwydMissing();
  if (missing) throw new Error(missing);
  const dir = await mkdtemp(join(tmpdir(), 'latchkey-glewlwyd-'));
  const db = new DatabaseSync(join(dir, 'glewlwyd.db'));
  db.exec(gunzipSync(await readFile(INIT_SQL)).toString('utf8'));
  // The OIDC plugin reads a client's post_logout_redirect_uris as a list; the package's client
  // database keeps only the properties its data format lists, and lists none by that name.
  const row = db.prepare("SELECT gcmi_parameters FROM g_client_module_instance WHERE gcmi_name = 'database'").get() as {
    gcmi_parameters: string;
  };
  const parameters = JSON.parse(row.gcmi_parameters) as { 'data-format': Record<string, unknown> };
  parameters['data-format']['post_logout_redirect_uris'] = { multiple: true, read: true, write: true };
  db.prepare("UPDATE g_client_module_instance SET gcmi_parameters = ? WHERE gcmi_name = 'database'").run(JSON.stringify(parameters));
  db.close();
  await webapp(dir);
  await writeFile(join(dir, 'glewlwyd.conf'), libconfig(options, dir));
  const child = spawn(GLEWLWYD_BIN, ['--config-file', join(dir, 'glewlwyd.conf')], { stdio: ['ignore', 'inherit', 'inherit'] });
  const stop = async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const base = `http://localhost:${options.port}`;
    await waitFor(`${base}/config/`, child);
    const admin = await adminApi(base);
    const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
    const issuer = `${base}/api/${PLUGIN}`;
    for (const [name, description] of [
      ['profile', 'Your name'],
      ['email', 'Your e-mail address'],
    ]) {
      await admin('POST', '/scope/', { name, display_name: name, description, password_required: true, password_max_age: 0, scheme: {} });
    }
    await admin('POST', '/mod/plugin/', {
      module: 'oidc',
      name: PLUGIN,
      display_name: 'OpenID Connect',
      enabled: true,
      parameters: {
        iss: issuer,
        'jwt-type': 'rsa',
        'jwt-key-size': '256',
        key: await exportPKCS8(privateKey),
        cert: await exportSPKI(publicKey),
        'access-token-duration': options.tokenTtlSeconds,
        'refresh-token-duration': 86_400,
        'code-duration': 600,
        'refresh-token-rolling': true,
        'allow-non-oidc': false,
        'auth-type-code-enabled': true,
        'auth-type-refresh-enabled': true,
        'auth-type-token-enabled': false,
        'auth-type-password-enabled': false,
        'auth-type-client-enabled': false,
        'pkce-allowed': true,
        'pkce-method-plain-allowed': false,
        'introspection-revocation-allowed': true,
        'introspection-revocation-allow-target-client': true,
        'session-management-allowed': true,
        'session-cookie-name': 'GLEWLWYD2_OIDC_SID',
        'session-cookie-expiration': 86_400,
        // Its login app's end-session page lists the clients to notify; without these it fails on the answer.
        'front-channel-logout-allowed': true,
        'back-channel-logout-allowed': true,
        'subject-type': 'public',
        'name-claim': 'mandatory',
        'email-claim': 'mandatory',
        'scope-claim': 'no',
        'allowed-scope': ['openid', 'profile', 'email'],
      },
    });
    await admin('POST', '/user/', {
      username: 'alice',
      password: 'alice',
      name: 'Alice Liddell',
      email: 'alice@example.com',
      scope: ['openid', 'profile', 'email'],
      enabled: true,
    });
    await admin('POST', '/client/', {
      client_id: 'latchkey-demo',
      name: 'Latchkey demo',
      confidential: false,
      redirect_uri: [`${options.demoOrigin}/callback`],
      post_logout_redirect_uris: [`${options.demoOrigin}/`],
      authorization_type: ['code', 'refresh_token'],
      token_endpoint_auth_method: ['none'],
      enabled: true,
    });
    await waitFor(`${issuer}/.well-known/openid-configuration`, child);
    return { issuer, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
