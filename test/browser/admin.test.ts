import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as oidc from 'openid-client';
import type { Browser, Page } from 'playwright-core';
import { PNG_1x1 } from '../admin/helpers.js';
import { axeViolations, launchBrowser, newContext } from '../helpers/browser.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/**
 * The admin console in Chromium: an administrator registers an app, a student sees its tile in the portal and
 * launching it signs her in to the app (a tiny relying party served here, using openid-client); axe-core finds no
 * WCAG 2.1 A/AA problem on the console's pages, in English and in French.
 */

let server: TestServer;
let browser: Browser;
let app: { server: Server; url: string; client: { id: string; secret: string } | null };

/** A minimal relying party on 127.0.0.1: / starts a sign-in, /callback finishes it and greets the person. */
async function startRelyingParty(): Promise<typeof app> {
  const pending = new Map<string, string>();
  const state: typeof app = { server: createServer(), url: '', client: null };
  state.server.on('request', async (req, res) => {
    try {
      if (!state.client) throw new Error('not registered yet');
      const config = await oidc.discovery(new URL(server.url), state.client.id, state.client.secret, undefined, { execute: [oidc.allowInsecureRequests] });
      const url = new URL(req.url ?? '/', state.url);
      if (url.pathname === '/') {
        const verifier = oidc.randomPKCECodeVerifier();
        const st = oidc.randomState();
        pending.set(st, verifier);
        const target = oidc.buildAuthorizationUrl(config, {
          redirect_uri: `${state.url}/callback`,
          scope: 'openid profile',
          state: st,
          code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
          code_challenge_method: 'S256',
        });
        res.writeHead(302, { location: target.href }).end();
        return;
      }
      if (url.pathname === '/callback') {
        const st = url.searchParams.get('state') ?? '';
        const tokens = await oidc.authorizationCodeGrant(config, url, { pkceCodeVerifier: pending.get(st), expectedState: st });
        const claims = tokens.claims()!;
        res
          .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
          .end(`<!doctype html><html lang="en"><title>Story Time</title><h1>Story Time</h1><p id="who">Signed in as ${String(claims.preferred_username)}</p></html>`);
        return;
      }
      res.writeHead(404).end();
    } catch (error) {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(String((error as Error).message));
    }
  });
  await new Promise<void>((resolve) => state.server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(state.server.address() as AddressInfo).port}`;
  return state;
}

beforeAll(async () => {
  browser = await launchBrowser();
  server = await startTestServer('sqlite');
  app = await startRelyingParty();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await new Promise<void>((resolve) => (app ? app.server.close(() => resolve()) : resolve()));
});

async function clickAndLoad(page: Page, action: () => Promise<unknown>): Promise<void> {
  await Promise.all([page.waitForEvent('framenavigated', (frame) => frame === page.mainFrame()), action()]);
  await page.waitForLoadState('load');
}

async function signIn(page: Page, username: string, password: string): Promise<void> {
  await page.locator('#username').fill(username);
  await page.locator('#username').press('Enter');
  await page.locator('#password').waitFor();
  await page.locator('#password').fill(password);
  await clickAndLoad(page, () => page.locator('#password').press('Enter'));
}

test('an administrator registers an app; a student sees its tile and launching it signs her in to the app', async () => {
  const admin = await newContext(browser);
  try {
    const page = admin.page;
    await page.goto(`${server.url}/admin`);
    await signIn(page, 'admin', 'Admin-Maple-2026');
    expect(page.url()).toBe(`${server.url}/admin`);
    await clickAndLoad(page, () => page.getByRole('link', { name: 'Apps', exact: true }).first().click());
    await clickAndLoad(page, () => page.getByRole('link', { name: 'Register an app' }).click());

    await page.getByLabel('Name (English)', { exact: true }).fill('Story Time');
    await page.getByLabel('Name (French)', { exact: true }).fill('L’heure du conte');
    await page.getByLabel('Description (English, optional)', { exact: true }).fill('Read-along stories');
    await page.getByLabel('Icon image', { exact: true }).setInputFiles({ name: 'story.png', mimeType: 'image/png', buffer: PNG_1x1 });
    await page.getByLabel('Redirect URIs', { exact: true }).fill(`${app.url}/callback`);
    await page.getByLabel('Launch address (optional)', { exact: true }).fill(`${app.url}/`);
    await page.getByLabel('Students', { exact: true }).check();
    await clickAndLoad(page, () => page.getByRole('button', { name: 'Register the app' }).click());

    expect(await page.locator('h1').innerText()).toBe('Story Time is registered');
    app.client = { id: (await page.locator('#client-id').innerText()).trim(), secret: (await page.locator('#client-secret').innerText()).trim() };
    expect(admin.problems.list).toEqual([]);
  } finally {
    await admin.context.close();
  }

  const student = await newContext(browser, { locale: 'fr-CA' });
  try {
    const page = student.page;
    await page.goto(`${server.url}/`);
    await signIn(page, 'S0100001', 'Lakeside-Ana-2026');
    const tile = page.getByRole('link', { name: /L’heure du conte/ });
    await tile.waitFor();
    expect(await tile.locator('img').getAttribute('src')).toMatch(/^\/apps\/.+\/icon\?v=/);
    // The icon loads (img naturalWidth > 0): served as an image despite the strict CSP.
    expect(await tile.locator('img').evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);
    await clickAndLoad(page, () => tile.click());
    await page.locator('#who').waitFor();
    expect(page.url().startsWith(`${app.url}/callback`)).toBe(true);
    expect(await page.locator('#who').innerText()).toBe('Signed in as S0100001');
    expect(student.problems.list).toEqual([]);
  } finally {
    await student.context.close();
  }
}, 60_000);

test('axe-core finds no WCAG 2.1 A/AA violations on the admin pages, in English and French', async () => {
  const { context, page, problems } = await newContext(browser);
  const report: Record<string, string[]> = {};
  try {
    await page.goto(`${server.url}/admin`);
    await signIn(page, 'admin', 'Admin-Maple-2026');
    const link = await server.services.helpLinks.create(
      { title: { en: 'Wi-Fi', fr: 'Wi-Fi' }, url: '/help/wifi', roles: ['student'], showOnLogin: true, position: 0 },
      { id: 'test', ip: null },
    );
    // A failed attempt counted against an account, so the targeted accounts page shows its table.
    await server.services.throttle.attempt('login:account:s0100002', server.services.config.login.perAccount);
    const paths = [
      '/admin',
      '/admin/apps',
      '/admin/apps/new',
      '/admin/apps/demo-learning-app',
      `/admin/apps/${app.client?.id ?? 'homeroom-portal'}`,
      '/admin/help-links',
      '/admin/help-links/new',
      `/admin/help-links/${link.id}`,
      '/admin/policies',
      '/admin/audit',
      '/admin/lockouts',
      '/admin/roster',
      `/admin/roster/runs/${(await server.services.rosterRuns.lastApplied())!.id}`,
    ];
    for (const locale of ['en', 'fr']) {
      for (const path of paths) {
        await page.goto(`${server.url}${path}?lang=${locale}`);
        expect(await page.locator('html').getAttribute('lang')).toBe(locale);
        report[`${locale} ${path}`] = await axeViolations(page);
      }
      // A form showing its errors.
      await page.goto(`${server.url}/admin/policies?lang=${locale}`);
      await page.locator('#minLength').fill('3');
      await page.locator('#ticketStart').fill('2026-08-20');
      await clickAndLoad(page, () => page.locator('form.admin-form button[type="submit"]').click());
      expect(await page.locator('#form-error').count()).toBe(1);
      report[`${locale} policies with errors`] = await axeViolations(page);
    }
    expect(Object.entries(report).filter(([, v]) => v.length)).toEqual([]);
    expect(problems.list).toEqual([]);
  } finally {
    await context.close();
  }
}, 180_000);
