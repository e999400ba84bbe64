import * as oidc from 'openid-client';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { WebClient } from '../helpers/web-client.js';
import { authorizationRequest } from '../helpers/authorization.js';

describe('security basics', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer('sqlite');
  });
  afterAll(() => server.close());

  test('pages carry a strict CSP and no inline script or style', async () => {
    const browser = new WebClient();
    const login = await browser.get(`${server.url}/`);
    await browser.submit('/username', { username: 'S0100001' });
    const password = browser.page!;
    const portal = await browser.submit('/password', { password: 'Lakeside-Ana-2026' });
    for (const page of [login, password, portal]) {
      const csp = page.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toContain('unsafe-inline');
      expect(csp).toContain("frame-ancestors 'none'");
      expect(page.headers.get('x-content-type-options')).toBe('nosniff');
      expect(page.html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
      expect(page.html).not.toMatch(/\sstyle="/);
      expect(page.html).not.toMatch(/\son[a-z]+="/);
    }
  });

  test('cookies are HttpOnly and SameSite=Lax; the session cookie ends with the browser', async () => {
    const response = await fetch(`${server.url}/`, { redirect: 'manual' });
    const cookies = response.headers.getSetCookie();
    expect(cookies.length).toBeGreaterThan(0);
    for (const cookie of cookies) {
      expect(cookie).toMatch(/;\s*httponly/i);
      expect(cookie).toMatch(/;\s*samesite=lax/i);
    }
    const browser = new WebClient();
    await browser.get(`${server.url}/`);
    await browser.submit('/username', { username: 'S0100001' });
    const form = browser.form('/password');
    const raw = await fetch(form.action, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
      body: new URLSearchParams({ ...form.fields, password: 'Lakeside-Ana-2026' }).toString(),
    });
    expect(raw.status).toBe(303);
    const resume = await fetch(new URL(raw.headers.get('location')!, server.url), {
      redirect: 'manual',
      headers: { cookie: [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
    });
    const session = resume.headers.getSetCookie().find((c) => c.startsWith('hr_session='));
    expect(session).toBeDefined();
    expect(session).not.toMatch(/expires=|max-age=/i);
  });

  test('a form post without the CSRF token is refused with a translated 403, and nothing happens', async () => {
    const browser = new WebClient();
    const start = await browser.get(`${server.url}/?lang=fr`);
    const form = browser.form('/username');
    const page = await browser.request(form.action, { method: 'POST', body: new URLSearchParams({ username: 'S0100001' }).toString() });
    expect(page.status).toBe(403);
    expect(page.html).toContain('Cette page est restée ouverte trop longtemps');
    const forged = await browser.request(form.action, { method: 'POST', body: new URLSearchParams({ username: 'S0100001', _csrf: 'x'.repeat(43) }).toString() });
    expect(forged.status).toBe(403);
    const still = await browser.get(start.url);
    expect(still.html).toContain('name="username"');
    expect(still.html).not.toContain('type="password"');
  });

  test('bad requests are clear 4xx pages, never 500', async () => {
    const browser = new WebClient();
    await browser.get(`${server.url}/`);
    const form = browser.form('/username');
    const json = await fetch(form.action, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: '{}' });
    expect(json.status).toBe(415);
    expect(await json.json()).toMatchObject({ error: 'UNSUPPORTED_MEDIA_TYPE' });
    const huge = await browser.request(form.action, { method: 'POST', body: `username=${'a'.repeat(70_000)}` });
    expect(huge.status).toBe(413);
    const expired = await browser.get(`${server.url}/interaction/not-a-real-interaction`);
    expect(expired.status).toBe(400);
    expect(expired.html).toContain('This sign-in page has expired. Please start again.');
    const missing = await browser.get(`${server.url}/no/such/page?lang=fr`);
    expect(missing.status).toBe(404);
    expect(missing.html).toContain('Page introuvable');
    const badAuth = await browser.get(`${server.url}/auth?client_id=nope&response_type=code&scope=openid`);
    expect(badAuth.status).toBeGreaterThanOrEqual(400);
    expect(badAuth.status).toBeLessThan(500);
  });

  test('signing in as someone else on the same browser renews the session id (a sibling never lands in the session)', async () => {
    const callback = 'http://127.0.0.1:9/cb';
    const { client, clientSecret } = await server.services.clients.register({ name: 'Session App', redirectUris: [callback], firstParty: true });
    const config = await oidc.discovery(new URL(server.url), client.clientId, clientSecret!, undefined, { execute: [oidc.allowInsecureRequests] });
    const browser = new WebClient();
    browser.stopAt = callback;
    const login = async (username: string, password: string, prompt?: string) => {
      const request = await authorizationRequest(config, callback, { params: prompt ? { prompt } : {} });
      await browser.get(request.url.href);
      await browser.submit('/username', { username });
      const page = await browser.submit('/password', { password });
      if (!page.url.startsWith(callback)) throw new Error(`not back at the app: ${page.url} ${page.status} ${page.html.slice(0, 3000)}`);
      return (await request.redeem(page.url)).claims()!;
    };
    const ana = await login('S0100001', 'Lakeside-Ana-2026');
    const first = browser.cookies.get('hr_session');
    const noah = await login('S0100002', 'Lakeside-Noah-2026', 'login');
    const second = browser.cookies.get('hr_session');
    expect(ana.preferred_username).toBe('S0100001');
    expect(noah.preferred_username).toBe('S0100002');
    expect(first).toBeDefined();
    expect(second).toBeDefined();
    expect(second).not.toBe(first);
    expect(noah.sub).not.toBe(ana.sub);
  });
});

describe('behind an https reverse proxy', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer('sqlite', { issuer: 'https://portal.district.example', overrides: { server: { trustProxy: true } } });
  });
  afterAll(() => server.close());

  test('cookies are marked Secure and HSTS is sent', async () => {
    const response = await fetch(`http://127.0.0.1:${new URL(server.services.config.issuer).port || (server.server.address() as { port: number }).port}/`, {
      redirect: 'manual',
      headers: { 'x-forwarded-proto': 'https', host: 'portal.district.example' },
    });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toMatch(/^https:\/\/portal\.district\.example\/auth\?/);
    const cookies = response.headers.getSetCookie();
    expect(cookies.length).toBeGreaterThan(0);
    for (const cookie of cookies) expect(cookie).toMatch(/;\s*secure/i);
    expect(response.headers.get('strict-transport-security')).toContain('max-age=');
  });
});
