import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as oidc from 'openid-client';
import { launchBrowser, newContext } from '../helpers/browser.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { signIn, WebClient } from '../helpers/web-client.js';
import { authorizationRequest } from '../helpers/authorization.js';

/**
 * Finding 10 (defence in depth): CSRF tokens bound to the session as well as to the browser's cookie, and every
 * state-changing request checked for where the browser says it came from (Sec-Fetch-Site, Origin).
 */
describe('forms from elsewhere', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer('sqlite');
  }, 60_000);
  afterAll(() => server.close());

  /** A login page's username form, ready to post (with its token), in a browser of its own. */
  async function usernameForm(lang?: string) {
    const browser = new WebClient();
    await browser.get(`${server.url}/${lang ? `?lang=${lang}` : ''}`);
    return { browser, form: browser.form('/username') };
  }

  const post = (browser: WebClient, form: { action: string; fields: Record<string, string> }, values: Record<string, string>, headers: Record<string, string> = {}) =>
    browser.request(form.action, { method: 'POST', body: new URLSearchParams({ ...form.fields, ...values }).toString(), headers });

  test('a form posted from another site is refused with a translated 403, and nothing happens', async () => {
    const cases: Record<string, string>[] = [
      { 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' },
      { 'sec-fetch-site': 'same-site', origin: 'https://library.district.example' },
      { origin: 'https://evil.example' },
      { origin: 'null' },
    ];
    for (const headers of cases) {
      const { browser, form } = await usernameForm('fr');
      const page = await post(browser, form, { username: 'S0100001' }, headers);
      expect({ headers, status: page.status }).toEqual({ headers, status: 403 });
      expect(page.html).toContain('Ce formulaire a été envoyé depuis un autre site web');
      expect(page.html).toContain('CROSS_SITE_REQUEST');
      // The username step was not taken: the page still asks for a username.
      expect((await browser.get(form.action.replace(/\/username$/, ''))).html).toContain('name="username"');
    }
    const { browser, form } = await usernameForm();
    const json = await fetch(form.action, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
        'sec-fetch-site': 'cross-site',
        cookie: [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
      },
      body: new URLSearchParams({ ...form.fields, username: 'S0100001' }).toString(),
    });
    expect(json.status).toBe(403);
    expect(await json.json()).toMatchObject({ error: 'CROSS_SITE_REQUEST' });
  });

  test('our own pages (same-origin), a person-started request and programs that send neither header are accepted', async () => {
    const accepted: Record<string, string>[] = [{ 'sec-fetch-site': 'same-origin', origin: server.url }, { 'sec-fetch-site': 'none' }, { origin: server.url }, {}];
    for (const headers of accepted) {
      const { browser, form } = await usernameForm();
      const page = await post(browser, form, { username: 'S0100001' }, headers);
      expect({ headers, status: page.status }).toEqual({ headers, status: 200 });
      expect(page.html).toContain('type="password"');
    }
  });

  test('the provider endpoints apps call from their own sites stay reachable: token, userinfo, introspection, revocation', async () => {
    // The app's own site; the provider lets an app's browser code call it from there (CORS by redirect URI).
    const callback = 'https://app.example/cb';
    const { client, clientSecret } = await server.services.clients.register({ name: 'Cross-site App', redirectUris: [callback], firstParty: true });
    const config = await oidc.discovery(new URL(server.url), client.clientId, clientSecret!, undefined, { execute: [oidc.allowInsecureRequests] });
    // As a single-page app's browser or an app's server behind a browser-like client would send them.
    config[oidc.customFetch] = (url, init) =>
      fetch(url, {
        ...(init as RequestInit),
        headers: { ...Object.fromEntries(new Headers(init.headers as HeadersInit)), origin: 'https://app.example', 'sec-fetch-site': 'cross-site' },
      });
    const browser = new WebClient();
    browser.stopAt = callback;
    const request = await authorizationRequest(config, callback, { scope: 'openid profile' });
    await browser.get(request.url.href);
    await browser.submit('/username', { username: 'S0100001' });
    const back = await browser.submit('/password', { password: 'Lakeside-Ana-2026' });
    const tokens = await request.redeem(back.url);
    expect(tokens.claims()!.preferred_username).toBe('S0100001');
    const userinfo = await oidc.fetchProtectedResource(config, tokens.access_token, new URL(`${server.url}/me`), 'POST');
    expect(userinfo.status).toBe(200);
    expect((await oidc.tokenIntrospection(config, tokens.access_token)).active).toBe(true);
    await oidc.tokenRevocation(config, tokens.access_token);
    expect((await oidc.tokenIntrospection(config, tokens.access_token)).active).toBe(false);
  });

  test('the end-session confirmation is not among them: posted from another site, it signs no one out', async () => {
    const browser = new WebClient();
    await signIn(browser, `${server.url}/`, 'S0100001', 'Lakeside-Ana-2026');
    await browser.get(`${server.url}/session/end`);
    const form = browser.form('/session/end/confirm');
    const page = await post(browser, form, { logout: 'yes' }, { 'sec-fetch-site': 'cross-site' });
    expect(page.status).toBe(403);
    expect((await browser.get(`${server.url}/`)).html).toContain('Hello, Ana');
  });

  test("a CSRF token from before the sign-in, or from another person's session on this browser, is refused", async () => {
    const browser = new WebClient();
    await browser.get(`${server.url}/`);
    const anonymous = browser.form('/username').fields._csrf;
    await browser.submit('/username', { username: 'S0100001' });
    await browser.submit('/password', { password: 'Lakeside-Ana-2026' });
    const ana = browser.form('/logout').fields._csrf;
    expect(ana).not.toBe(anonymous);
    const logout = (token: string) => browser.request(`${server.url}/logout`, { method: 'POST', body: new URLSearchParams({ _csrf: token }).toString() });

    const early = await logout(anonymous);
    expect(early.status).toBe(403);
    expect(early.html).toContain('This page was open for too long or came from somewhere else.');
    expect((await browser.get(`${server.url}/`)).html).toContain('Hello, Ana');

    // Noah signs in on the same browser (the same CSRF cookie): Ana's page's token is no good in his session.
    await browser.submit('/logout');
    await browser.submit('/session/end/confirm', { logout: 'yes' });
    await signIn(browser, `${server.url}/`, 'S0100002', 'Lakeside-Noah-2026');
    expect((await logout(ana)).status).toBe(403);
    expect((await browser.get(`${server.url}/`)).html).toContain('Hello, Noah');
  });
});

describe('a real browser on another site', () => {
  let server: TestServer;
  let attacker: Server;
  let attackerUrl: string;
  beforeAll(async () => {
    server = await startTestServer('sqlite');
    // Another site: "localhost" and "127.0.0.1" are different sites to the browser.
    attacker = createServer((req, res) => {
      const target = decodeURIComponent((req.url ?? '').slice('/?to='.length));
      res
        .writeHead(200, { 'content-type': 'text/html' })
        .end(`<!doctype html><form method="post" action="${target}"><input name="username" value="S0100001"></form><script>document.forms[0].submit()</script>`);
    });
    await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
    attackerUrl = `http://localhost:${(attacker.address() as AddressInfo).port}`;
  }, 60_000);
  afterAll(async () => {
    await new Promise((resolve) => attacker.close(resolve));
    await server.close();
  });

  test('Chromium tells where the form came from, and the post is refused as cross-site', async () => {
    const browser = await launchBrowser();
    try {
      const { context, page } = await newContext(browser);
      await page.goto(`${server.url}/`);
      const action = new URL((await page.locator('form[action$="/username"]').getAttribute('action'))!, server.url).href;
      const response = page.waitForResponse((r) => r.url() === action);
      await page.goto(`${attackerUrl}/?to=${encodeURIComponent(action)}`);
      expect((await response).status()).toBe(403);
      await page.waitForLoadState('load');
      expect(await page.locator('body').innerText()).toContain('This form was sent from another website, so it was not accepted.');
      await context.close();
    } finally {
      await browser.close();
    }
  }, 60_000);
});
