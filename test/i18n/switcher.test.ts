import { request } from 'node:http';
import { createI18n, type I18n } from '../../src/i18n/i18n.js';
import { samePageTarget } from '../../src/http/language-switcher.js';
import { ENGINES, startTestServer, type TestServer } from '../helpers/server.js';
import { WebClient } from '../helpers/web-client.js';

/** The language switcher on a page: each entry's language, name, and link (none for the current language). */
function switcherOf(html: string): { code: string; name: string; href: string | null }[] {
  const block = /<details class="language-switcher">([\s\S]*?)<\/details>/.exec(html);
  if (!block) throw new Error('no language switcher on the page');
  const unescape = (v: string) => v.replace(/&amp;/g, '&').replace(/&#39;/g, "'").replace(/&#34;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>');
  return [...block[1].matchAll(/<li>(?:<a href="([^"]*)" lang="([^"]+)"[^>]*>|<span aria-current="true" lang="([^"]+)"[^>]*>)([^<]+)<\/(?:a|span)><\/li>/g)].map((m) => ({
    code: m[2] ?? m[3],
    name: m[4],
    href: m[1] === undefined ? null : unescape(m[1]),
  }));
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
  ])('%s → %s', (path, expected) => {
    const target = samePageTarget(path, 'lang=fr&interaction=abc');
    expect(target.path).toBe(expected);
    expect(new URL(target.path, 'https://homeroom.example/').origin).toBe('https://homeroom.example');
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
    expect(switcher.map((o) => o.code)).toEqual(i18n.locales.map((l) => l.code));
    expect(switcher.filter((o) => o.href === null).map((o) => o.code)).toEqual(['fr']);
    expect(switcher.find((o) => o.code === 'en')?.href).toBe('/help/login?x=1&lang=en');
    const names = Object.fromEntries(switcher.map((o) => [o.code, o.name]));
    expect(names).toMatchObject({ en: 'English', fr: 'Français', ar: 'العربية', vi: 'Tiếng Việt', zh: '中文（简体）', am: 'አማርኛ' });
  });

  test('paths that a browser would read as another host never become the switcher’s target', async () => {
    for (const path of ['//evil.example', '/\\evil.example', '/.//evil.example', '///evil.example/x?lang=fr']) {
      const html = await rawGet(server.url, path);
      const links = switcherOf(html).filter((o) => o.href !== null);
      expect(links.length).toBeGreaterThan(0);
      for (const { href } of links) {
        expect({ path, href, origin: new URL(href!, server.url).origin }).toEqual({ path, href, origin: new URL(server.url).origin });
        expect(href).toMatch(/^\/(?![/\\])/);
      }
    }
  });

  test('the choice is remembered, and Arabic pages are right-to-left', async () => {
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
    const lang = 'vi';
    const t = i18n.translator(lang);
    const callback = 'http://127.0.0.1:9/cb';
    const { client } = await server.services.clients.register({ name: 'Reading Club', redirectUris: [callback], public: true, firstParty: true });
    const browser = new WebClient({ 'accept-language': 'en-US,en;q=0.9' });
    const auth = new URL(`${server.url}/auth`);
    auth.search = new URLSearchParams({
      client_id: client.clientId,
      response_type: 'code',
      scope: 'openid',
      redirect_uri: callback,
      ui_locales: `${lang} en`,
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
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
    const switched = await browser.get(`${server.url}${switcherOf(recovery.html).find((o) => o.code === 'en')!.href}`);
    expect(switched.html).toContain('<html lang="en" dir="ltr">');
    const back = await browser.get(`${server.url}${claim.url.slice(server.url.length)}`);
    expect(back.html).toContain('<html lang="en" dir="ltr">');
  });
});
