// The packages as a user gets them: `npm pack` of each (core and bff build in their prepack, Angular's is packed
// from its dist), unpacked into a copy of the app in tests/pack-fixture — everything else resolves from the
// workspace's node_modules, no network — built there with the Angular CLI and opened in Chromium; and
// @latchkey/bff imported from its tarball by a plain Node process.
import { expect, test } from '@playwright/test';
import { cp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { DEMO_BEARER_CLIENT_ID, startIdp, type Idp } from '../../apps/idp/src/idp.ts';
import { freePort } from '../../packages/bff/src/testing/harness.ts';
import { serveStatic } from './static-server.ts';
import { install, pack, packageNames, root, rootLicense, run, type PackageName, type Tarball } from './tarballs.ts';

const work = join(root, '.test-results', 'pack');
// Two folders below the root, as tests/pack-fixture is: its angular.json's $schema path holds in the copy too.
const app = join(work, 'app');

const tarballs = new Map<PackageName, Tarball>();

/** Every file an `exports` map points at (its values, at any depth of conditions). */
const exportTargets = (exports: unknown): string[] =>
  typeof exports === 'string' ? [exports] : Object.values(exports ?? {}).flatMap(exportTargets);

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  test.setTimeout(180_000);
  await rm(work, { recursive: true, force: true });
  await cp(join(root, 'tests', 'pack-fixture'), app, { recursive: true });
  // In dependency order: bff's build reads core's, which core's prepack has just rebuilt.
  for (const name of packageNames) {
    const tarball = await pack(name, join(work, 'tarballs'));
    tarballs.set(name, tarball);
    await install(tarball, name, app);
  }
});

for (const name of packageNames) {
  test(`@latchkey/${name}'s tarball has a README, the LICENSE, public access, its exports, source maps with their sources, no tests`, async () => {
    const tarball = tarballs.get(name)!;
    const { files } = tarball;
    expect(files).toContain('README.md');
    expect((await tarball.read('README.md')).startsWith(`# @latchkey/${name}\n`)).toBe(true);
    expect(await tarball.read('LICENSE')).toBe(await rootLicense());

    const manifest = JSON.parse(await tarball.read('package.json')) as Record<string, unknown>;
    expect(manifest).toMatchObject({ license: 'MIT', publishConfig: { access: 'public' }, repository: { type: 'git' } });
    // A library's dependencies are ranges, so an app's tree can share them and take their fixes.
    const ranges = { ...(manifest['dependencies'] as object), ...(manifest['peerDependencies'] as object) } as Record<string, string>;
    for (const [dependency, range] of Object.entries(ranges)) expect(range, dependency).toMatch(/^[\^~>]/);
    // ng-packagr leaves a prepublishOnly that refuses to publish a full-compilation build; a partial one has no scripts.
    if (name === 'angular') expect(manifest['scripts']).toBeUndefined();

    const targets = exportTargets(manifest['exports']);
    expect(targets.length).toBeGreaterThan(1);
    for (const target of targets) expect(files, `exports ${target}`).toContain(target.replace(/^\.\//, ''));

    expect(files.filter((f) => /\.spec\.|\.tsbuildinfo$|\.d\.ts\.map$|(^|\/)src\/|\.ts$/.test(f) && !f.endsWith('.d.ts'))).toEqual([]);
    const maps = files.filter((f) => f.endsWith('.map'));
    expect(maps.length).toBeGreaterThan(0);
    for (const map of maps) {
      const { sources, sourcesContent } = JSON.parse(await tarball.read(map)) as { sources: string[]; sourcesContent?: (string | null)[] };
      expect(sourcesContent?.length, map).toBe(sources.length);
      expect(
        sourcesContent?.every((source) => typeof source === 'string' && source.length > 0),
        map,
      ).toBe(true);
    }
  });
}

test('the app builds with the Angular CLI against the tarballs', async () => {
  test.setTimeout(180_000);
  await run(process.execPath, [join(root, 'node_modules/@angular/cli/bin/ng.js'), 'build'], { cwd: app, timeoutMs: 170_000 });
});

test('the built app signs in and out at the real dev provider in Chromium: Log In, PKCE S256, Log Out', async ({ page }) => {
  let idp: Idp | undefined;
  const server = await serveStatic(join(app, 'dist', 'browser'), () => ({ issuer: idp?.issuer, clientId: DEMO_BEARER_CLIENT_ID }));
  try {
    idp = await startIdp({
      port: await freePort(),
      tokenTtlSeconds: 600,
      refreshTtlSeconds: 3600,
      demoOrigin: server.origin,
      resources: [],
      bffClientSecret: 'pack-test',
    });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => void (message.type() === 'error' && errors.push(message.text())));

    await page.goto(server.origin);
    await expect(page.getByRole('button', { name: 'Log In' })).toBeVisible();
    expect(errors).toEqual([]);

    const authorize = page.waitForRequest((request) => request.url().startsWith(`${idp?.issuer}/auth`));
    await page.getByRole('button', { name: 'Log In' }).click();
    const query = new URL((await authorize).url()).searchParams;
    expect(Object.fromEntries(query)).toMatchObject({
      client_id: DEMO_BEARER_CLIENT_ID,
      response_type: 'code',
      redirect_uri: `${server.origin}/callback`,
      code_challenge_method: 'S256',
    });
    expect(query.get('code_challenge')).toMatch(/^[\w-]{43}$/);
    expect(query.get('state')).toBeTruthy();
    expect(query.get('nonce')).toBeTruthy();
    await page.getByLabel('Username').fill('alice');
    await page.getByLabel('Password').fill('alice');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByText('Signed in as Alice Liddell')).toBeVisible();
    await page.getByRole('button', { name: 'Log Out' }).click();
    await expect(page.getByRole('button', { name: 'Log In' })).toBeVisible();
    expect(errors).toEqual([]);
  } finally {
    await server.close();
    await idp?.close();
  }
});

test('@latchkey/bff from its tarball imports in Node, and createBff refuses bad options with LATCHKEY_CONFIG_INVALID', async () => {
  // Were a bad option ever accepted, its default SQLite store would land in the work folder, not the home one.
  const { stdout } = await run(process.execPath, ['server/check-bff.ts'], { cwd: app, env: { XDG_STATE_HOME: work } });
  expect(JSON.parse(stdout)).toEqual({
    expressAdapter: 'function',
    refused: {
      'no options': 'LATCHKEY_CONFIG_INVALID',
      'a plain-http app origin': 'LATCHKEY_CONFIG_INVALID',
      'no client credentials': 'LATCHKEY_CONFIG_INVALID',
    },
  });
});
