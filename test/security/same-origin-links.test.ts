import { request } from 'node:http';
import { ENGINES, startTestServer, type TestServer } from '../helpers/server.js';
import { WebClient } from '../helpers/web-client.js';
import { ADMIN, signedIn, submitForm } from '../admin/helpers.js';

/** Where a browser goes following each link of a page (read as it reads them: against the page's address). */
function linkTargets(html: string, pageUrl: string): string[] {
  return [...html.matchAll(/<a\b[^>]*\shref="([^"]*)"/g)].map(([, href]) => new URL(href.replace(/&amp;/g, '&').replace(/&#34;/g, '"'), pageUrl).href);
}

/** A GET with the path exactly as written (fetch would normalize `\` to `/` first; an attacker's client does not). */
function rawGet(url: string, path: string): Promise<{ status: number; html: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, path, method: 'GET', headers: { accept: 'text/html' } }, (res) => {
      let html = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (html += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, html }));
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * Findings 2 and 7 of the outside test, the way they were found: the language switcher of a 404 page for
 * `//evil.example` linked to `//evil.example?lang=fr`, and help-link addresses such as `/<TAB>/evil.example` and
 * `https:/\evil.example` passed as "a page of this site". Both now read addresses with the WHATWG URL parser against
 * the issuer and compare origins.
 */
describe.each(ENGINES)('links that stay on this site (%s)', (engine) => {
  let server: TestServer;
  let admin: WebClient;
  beforeAll(async () => {
    server = await startTestServer(engine);
    admin = await signedIn(server, ADMIN);
  }, 60_000);
  afterAll(() => server.close());

  test('the language switcher of any page links to this site only', async () => {
    for (const path of ['//evil.example', '/\\evil.example', '/\\/evil.example', '/.//evil.example', '//evil.example/%2e%2e', '/help/wifi']) {
      const page = await rawGet(server.url, path);
      const targets = linkTargets(page.html, `${server.url}/`);
      const french = targets.find((t) => t.includes('lang=fr'));
      expect({ path, french }).toEqual({ path, french: expect.stringMatching(new RegExp(`^${server.url}/`)) });
      expect({ path, offSite: targets.filter((t) => !t.startsWith(`${server.url}/`)) }).toEqual({ path, offSite: [] });
    }
    // A page of this site keeps its own path (and its other parameters) in the switcher.
    const wifi = await new WebClient().get(`${server.url}/help/wifi?x=1`);
    expect(wifi.html).toContain('href="/help/wifi?x=1&amp;lang=fr"');
  });

  test('help-link addresses that leave the site are refused as "a page of this site"; nothing is saved', async () => {
    const refused = [
      '/\t/evil.example',
      '/\n/evil.example',
      '/\\evil.example',
      '//evil.example',
      '/.//evil.example',
      'https:/\\evil.example',
      'https:evil.example',
      'http://evil.example/',
      'javascript:alert(1)',
      'JaVaScRiPt:alert(1)',
      'data:text/html,<b>x</b>',
      'https://admin:pw@evil.example/',
    ];
    for (const url of refused) {
      await admin.get(`${server.url}/admin/help-links/new`);
      const page = await submitForm(admin, '/admin/help-links', { title_en: 'Wi-Fi', url });
      expect({ url, status: page.status }).toEqual({ url, status: 400 });
      expect(admin.alert()).toContain('Enter an address that starts with https:// or a page of this site that starts with /.');
    }
    expect(await server.services.helpLinks.list()).toEqual([]);
  });

  test('pages of this site and https addresses are kept, normalized, and shown on the sign-in page as what they are', async () => {
    const accepted: [string, string][] = [
      ['/help/../help/wifi', '/help/wifi'],
      [`${server.url}/help/login`, `${server.url}/help/login`],
      ['https://District.Example/faq', 'https://district.example/faq'],
    ];
    for (const [url] of accepted) {
      await admin.get(`${server.url}/admin/help-links/new`);
      const page = await submitForm(admin, '/admin/help-links', { title_en: `Link ${url}`, url, showOnLogin: 'on' });
      expect({ url, status: page.status }).toEqual({ url, status: 200 });
    }
    const stored = await server.services.helpLinks.list();
    expect(stored.map((l) => l.url).sort()).toEqual(accepted.map(([, s]) => s).sort());
    await server.services.helpLinks.refresh();
    const login = await new WebClient().get(`${server.url}/`);
    // The one elsewhere is marked so (rel=noopener noreferrer); the pages of this site are plain paths.
    expect(login.html).toContain('<a href="https://district.example/faq" rel="noopener noreferrer">');
    expect(login.html).toContain('<a href="/help/wifi">');
    expect(login.html).toContain('<a href="/help/login">');
  });
});
