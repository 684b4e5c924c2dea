import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { bundle } from '../bundle.ts';
import { launchChromium } from '../chromium.ts';
import { servePage } from '../page-server.ts';
import { assertFree, benchPorts } from '../stack.ts';
import { makeIdToken } from './id-token.ts';
import type { CheckTiming } from './timing.ts';

export interface SessionCheckResults {
  readonly tokenLength: number;
  readonly node: CheckTiming[];
  readonly chromium: CheckTiming[];
}

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/**
 * Part 1: what a template pays per change-detection pass to ask "signed in?", in Node and in Chromium,
 * every library on the same ID token, interleaved in one process each.
 */
export async function runSessionCheck(workDir: string, options = { rounds: 21, batchMs: 25 }): Promise<SessionCheckResults> {
  const input = { ...(await makeIdToken()), ...options };
  await mkdir(workDir, { recursive: true });

  // Node: a process of its own, so nothing of the bench runner's own work shares its heap or JIT.
  const nodeScript = `${workDir}/session-check-node.mjs`;
  await writeFile(nodeScript, (await bundle(here('./node-main.ts'), 'node')).code);
  const { stdout } = await promisify(execFile)(process.execPath, [nodeScript], {
    env: { ...process.env, BENCH_INPUT: JSON.stringify(input) },
    maxBuffer: 1 << 20,
  });
  const node = JSON.parse(stdout) as CheckTiming[];

  await assertFree(benchPorts.demo);
  const server = await servePage(benchPorts.demo, '/bench/session-check', (await bundle(here('./page-main.ts'), 'browser')).code);
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(server.url);
    if (errors.length > 0) throw new Error(`bench: the session-check page failed: ${errors.join('; ')}`);
    const chromium = await page.evaluate((arg) => window.runSessionChecks(arg), input);
    return { tokenLength: input.idToken.length, node, chromium };
  } finally {
    await browser.close();
    await server.close();
  }
}
