import { request } from 'node:http';
import { createI18n, type I18n } from '../../src/i18n/i18n.js';
import { samePageTarget } from '../../src/http/views.js';
import { ENGINES, startTestServer, type TestServer } from '../helpers/server.js';
import { WebClient } from '../helpers/web-client.js';

/** The language switcher's form on a page: where it goes, its hidden fields, its options. */
function switcherOf(html: string): { action: string; hidden: [string, string][]; options: { code: string; name: string; selected: boolean }[] } {
  const form = /<form class="language-switcher" method="get" action="([^"]*)">([\s\S]*?)<\/form>/.exec(html);
  if (!form) throw new Error('no language switcher on the page');
  const unescape = (v: string) => v.replace(/&amp;/g, '&').replace(/&#39;/g, "'").replace(/&#34;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>');
  return {
    action: unescape(form[1]),
    hidden: [...form[2].matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)].map((m) => [unescape(m[1]), unescape(m[2])]),
    options: [...form[2].matchAll(/<option value="([^"]+)" lang="[^"]+"( selected)?>([^<]+)<\/option>/g)].map((m) => ({ code: m[1], name: m[3], selected: Boolean(m[2]) })),
  };
}

/** A request with the path exactly as written (fetch would turn `/\` into `//`). */
function rawGet(base: string, path: string): Promise<string> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, path, method: 'GET', headers: { 'accept-language': 'en' } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the switcher keeps people on this site', () => {
  test.each([
    ['//evil.example', '/'],
    ['/\\evil.example', '/'],
    ['///evil.example/x', '/'],
    ['/.//evil.example', '/'],
    ['/a/..//evil.example/x', '/'],
    ['/\\/evil.example', '/'],
    ['/claim/abc', '/claim/abc'],
    ['/help/login', '/help/login'],
  ])('%s → %s', (path, action) => {
    const target = samePageTarget(path, 'lang=fr&interaction=abc');
    expect(target.action).toBe(action);
    expect(new URL(target.action, 'https://homeroom.example/').origin).toBe('https://homeroom.example');
    expect(target.fields).toEqual([['interaction', 'abc']]);
  });
});

describe.each(ENGINES)('languages over HTTP (%s)', (engine) => {
  let server: TestServer;
  let i18n: I18n;
  beforeAll(async () => {
    server = await startTestServer(engine);
    i18n = await createI18n();
  });
  afterAll(() => server.close());

  test('every page offers each language in its own script, on the same page with its query', async () => {
    const browser = new WebClient({ 'accept-language': 'en' });
    const page = await browser.get(`${server.url}/help/login?x=1&lang=fr`);
    const switcher = switcherOf(page.html);
    expect(switcher.action).toBe('/help/login');
    expect(switcher.hidden).toEqual([['x', '1']]);
    expect(switcher.options.map((o) => o.code)).toEqual(i18n.locales.map((l) => l.code));
    expect(switcher.options.find((o) => o.selected)?.code).toBe('fr');
    const names = Object.fromEntries(switcher.options.map((o) => [o.code, o.name]));
    expect(names).toMatchObject({ en: 'English', fr: 'Français' });
    if (names.ar) expect(names.ar).toBe('العربية');
    if (names.vi) expect(names.vi).toBe('Tiếng Việt');
    if (names.zh) expect(names.zh).toBe('中文（简体）');
  });

  test('paths that a browser would read as another host never become the switcher’s target', async () => {
    for (const path of ['//evil.example', '/\\evil.example', '/.//evil.example', '///evil.example/x?lang=fr']) {
      const html = await rawGet(server.url, path);
      const { action } = switcherOf(html);
      expect({ path, origin: new URL(action, server.url).origin }).toEqual({ path, origin: new URL(server.url).origin });
    }
  });

  test('the choice is remembered, and Arabic pages are right-to-left', async () => {
    if (!i18n.has('ar')) return;
    const browser = new WebClient({ 'accept-language': 'en' });
    const t = i18n.translator('ar');
    const chosen = await browser.get(`${server.url}/help/login?lang=ar`);
    expect(chosen.html).toContain('<html lang="ar" dir="rtl">');
    expect(browser.setCookies.some((c) => /^hr_lang=ar;/.test(c) && /httponly/i.test(c))).toBe(true);
    const later = await browser.get(`${server.url}/help/login`);
    expect(later.html).toContain('<html lang="ar" dir="rtl">');
    expect(later.html).toContain(t('help.login.title'));
    const english = await browser.get(`${server.url}/help/login?lang=en`);
    expect(english.html).toContain('<html lang="en" dir="ltr">');
  });

  test("an app's ui_locales is honoured on the sign-in, claim and recovery pages; a choice made here wins", async () => {
    const lang = i18n.has('vi') ? 'vi' : 'fr';
    const t = i18n.translator(lang);
    const callback = 'http://127.0.0.1:9/cb';
    const { client } = await server.services.clients.register({ name: 'Reading Club', redirectUris: [callback], public: true, firstParty: true });
    const browser = new WebClient({ 'accept-language': 'en-US,en;q=0.9' });
    const auth = new URL(`${server.url}/auth`);
    auth.search = new URLSearchParams({
      client_id: client.clientId, response_type: 'code', scope: 'openid', redirect_uri: callback, ui_locales: `${lang} en`,
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256',
    }).toString();
    const login = await browser.get(auth.href);
    expect(login.html).toContain(`<html lang="${lang}" dir="ltr">`);
    expect(login.html).toContain(t('login.heading'));

    const claimLink = /href="(\/claim\?interaction=[^"]+)"/.exec(login.html)![1].replace(/&amp;/g, '&');
    const claim = await browser.get(`${server.url}${claimLink}`);
    expect(claim.url).toMatch(/\/claim\/[\w-]+$/);
    expect(claim.html).toContain(`<html lang="${lang}" dir="ltr">`);
    expect(claim.html).toContain(t('claim.identify.heading'));

    const recoverLink = /href="(\/recover\?interaction=[^"]+)"/.exec(login.html)![1].replace(/&amp;/g, '&');
    const recovery = await browser.get(`${server.url}${recoverLink}`);
    expect(recovery.html).toContain(`<html lang="${lang}" dir="ltr">`);

    // The person picks English with the switcher: that wins over the app's wish on every later page.
    const switched = await browser.get(`${server.url}${switcherOf(recovery.html).action}?lang=en`);
    expect(switched.html).toContain('<html lang="en" dir="ltr">');
    const back = await browser.get(`${server.url}${claim.url.slice(server.url.length)}`);
    expect(back.html).toContain('<html lang="en" dir="ltr">');
  });
});
