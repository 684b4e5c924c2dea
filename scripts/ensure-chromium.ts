// Finds Debian's Chromium for the browser tests, installing it with apt-get when run as root.
// Never downloads a browser of Playwright's own (that cannot work on this network).
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

export function ensureChromium(): void {
  if (existsSync(chromiumPath)) return;
  const isRoot = process.getuid?.() === 0;
  if (isRoot && existsSync('/usr/bin/apt-get')) {
    console.log(`test: Chromium is missing at ${chromiumPath}; installing Debian's chromium with apt-get…`);
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
    execFileSync('apt-get', ['install', '-y', '-qq', 'chromium'], {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    if (existsSync(chromiumPath)) return;
  }
  console.error(
    `test: the browser tests need Chromium at ${chromiumPath}.\n` +
      `      Install it with:  sudo apt-get update && sudo apt-get install -y chromium\n` +
      `      or point CHROMIUM_PATH at an installed Chromium.`,
  );
  process.exit(1);
}
