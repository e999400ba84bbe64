import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { clickAndLoad, launchOnProfile } from '../helpers/browser.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/**
 * Finding 1 of the outside test, the way it was found: on a shared family computer, someone signs in to the portal,
 * the demo app and the admin console, then closes the browser. Whoever opens the browser next (same profile on disk)
 * must be asked for a password everywhere.
 */
describe('closing the browser signs everyone out', () => {
  let server: TestServer;
  let profile: string;
  beforeAll(async () => {
    server = await startTestServer('sqlite');
    profile = mkdtempSync(join(tmpdir(), 'homeroom-profile-'));
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    rmSync(profile, { recursive: true, force: true });
  });

  const places = ['/', '/demo-app/', '/admin/audit'];

  async function asksForUsername(page: Page, path: string): Promise<{ path: string; url: string; asks: boolean }> {
    await page.goto(`${server.url}${path}`);
    await page.waitForLoadState('load');
    return { path, url: page.url().replace(server.url, ''), asks: (await page.locator('#username').count()) === 1 };
  }

  test('the portal, the demo app and /admin/audit ask for a password again after the browser restarts', async () => {
    const first = await launchOnProfile(profile);
    try {
      const page = first.pages()[0] ?? (await first.newPage());
      await page.goto(`${server.url}/`);
      await page.locator('#username').fill('admin');
      await clickAndLoad(page, page.getByRole('button', { name: 'Go', exact: true }));
      await page.locator('#password').fill('Admin-Maple-2026');
      await clickAndLoad(page, page.getByRole('button', { name: 'Go', exact: true }));
      await page.getByRole('heading', { level: 1, name: 'Hello, Dana' }).waitFor();
      await page.goto(`${server.url}/demo-app/`);
      await page.getByRole('heading', { level: 1, name: 'Welcome, Dana!' }).waitFor();
      await page.goto(`${server.url}/admin/audit`);
      expect(page.url()).toBe(`${server.url}/admin/audit`);
      expect(await page.locator('#username').count()).toBe(0);
      // Signed in everywhere while the browser stays open.
      for (const path of places) expect(await asksForUsername(page, path)).toMatchObject({ asks: false });
    } finally {
      await first.close();
    }

    const again = await launchOnProfile(profile);
    try {
      const names = (await again.cookies(server.url)).map((c) => c.name);
      expect(names.filter((name) => /^hr_(session|portal|demo_app)(\.sig)?$/.test(name))).toEqual([]);
      const page = again.pages()[0] ?? (await again.newPage());
      const seen = [];
      for (const path of places) seen.push(await asksForUsername(page, path));
      expect(seen).toEqual(places.map((path) => ({ path, url: expect.stringMatching(/^\/interaction\/[^/?]+$/), asks: true })));
    } finally {
      await again.close();
    }
  }, 90_000);
});
