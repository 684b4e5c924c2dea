import { chromium, type Browser } from '@playwright/test';
import { chromiumArgs, chromiumPath, ensureChromium } from '../scripts/ensure-apt.ts';

/** Debian's Chromium, started as the browser tests start it; never a browser downloaded by Playwright. */
export async function launchChromium(): Promise<Browser> {
  ensureChromium();
  return chromium.launch({
    executablePath: chromiumPath,
    args: [...chromiumArgs],
  });
}
