// Finds the Debian packages the browser tests need (Chromium, and Glewlwyd as a second OpenID provider),
// installing them with apt-get when run as root. Never downloads a browser of Playwright's own.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const chromiumPath = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

/** How the browser tests and the benchmarks start it: headless in a container, nothing in the background. */
export const chromiumArgs: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Makes sure a Debian package's file is there: installs the package with apt-get when run as root,
 * else says exactly what to run and exits 1. `what` names it in the messages.
 */
export function ensureAptPackage(pkg: string, file: string, what: string, hint = ''): void {
  if (existsSync(file)) return;
  const isRoot = process.getuid?.() === 0;
  if (isRoot && existsSync('/usr/bin/apt-get')) {
    console.log(`test: ${what} is missing (${file}); installing Debian's ${pkg} with apt-get…`);
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
    execFileSync('apt-get', ['install', '-y', '-qq', pkg], {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    if (existsSync(file)) return;
  }
  console.error(
    `test: the browser tests need ${what} at ${file}.\n      Install it with:  sudo apt-get update && sudo apt-get install -y ${pkg}\n${hint}`,
  );
  process.exit(1);
}

export function ensureChromium(): void {
  ensureAptPackage('chromium', chromiumPath, 'Chromium', '      or point CHROMIUM_PATH at an installed Chromium.\n');
}

/** The second OpenID provider of the browser tests (e2e/glewlwyd): Debian's Glewlwyd. */
export function ensureGlewlwyd(): void {
  ensureAptPackage('glewlwyd', '/usr/bin/glewlwyd', 'Glewlwyd (the second OpenID provider)');
}

/**
 * The BFF's Redis store tests and the many-node browser tests start their own redis-server on 127.0.0.1:
 * Debian's. Installing it starts the system service; it is stopped again, the tests need none running.
 */
export function ensureRedis(): void {
  if (existsSync('/usr/bin/redis-server')) return;
  ensureAptPackage('redis-server', '/usr/bin/redis-server', 'Redis (redis-server, for the BFF store tests)');
  try {
    execFileSync('service', ['redis-server', 'stop'], { stdio: 'ignore' });
  } catch {
    // No service manager in this container: nothing was started.
  }
}
