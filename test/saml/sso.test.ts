import { ENGINES, startTestServer, type TestServer } from '../helpers/server.js';
import { startTestSp, type TestSp } from '../helpers/saml-sp.js';
import { WebClient } from '../helpers/web-client.js';

const ANA = { username: 'S0100001', password: 'Lakeside-Ana-2026' };

/** The first certificate of the IdP's metadata, as an SP administrator would copy it. */
async function idpCertificate(server: TestServer): Promise<string> {
  const xml = await (await fetch(`${server.url}/saml/metadata`)).text();
  return /<ds:X509Certificate>([^<]+)</.exec(xml)![1];
}

/** Follows the SP's sign-in through Homeroom's login pages; returns the page Homeroom shows at the end (the auto-post form). */
async function signInAt(browser: WebClient, sp: TestSp, user = ANA) {
  let page = await browser.get(`${sp.url}/login`);
  if (page.html.includes('name="SAMLRequest"')) {
    const form = browser.form('/saml/sso');
    page = await browser.request(form.action, { method: 'POST', body: new URLSearchParams(form.fields).toString() });
  }
  if (page.url.includes('/interaction/')) {
    await browser.submit('/username', { username: user.username });
    page = await browser.submit('/password', { password: user.password });
  }
  return page;
}

/** Presses the auto-post form's Continue button, as a browser without JavaScript would. */
function postToSp(browser: WebClient, sp: TestSp) {
  return browser.submit(sp.acsUrl);
}

describe.each(ENGINES)('SAML identity provider with a node-saml service provider (%s)', (engine) => {
  let server: TestServer;
  let sp: TestSp;

  beforeAll(async () => {
    server = await startTestServer(engine);
    sp = await startTestSp(server.url, await idpCertificate(server));
    await server.services.samlProviders.register({
      entityId: sp.entityId,
      name: 'Library Catalog',
      acs: [{ url: sp.acsUrl }],
      slo: { url: sp.sloUrl },
      certificate: sp.key.certificate,
    });
  });
  afterAll(async () => {
    await sp?.close();
    await server?.close();
  });

  test('SP-initiated sign-in by HTTP-Redirect: the login names the app, node-saml accepts the signed Response', async () => {
    const browser = new WebClient();
    const page = await browser.get(`${sp.url}/login?relay=%2Fshelf%3Fx%3D1`);
    expect(page.url).toContain('/interaction/');
    expect(page.html).toContain('Library Catalog');
    await browser.submit('/username', { username: ANA.username });
    const posted = await browser.submit('/password', { password: ANA.password });
    expect(posted.url).toContain('/saml/callback');
    const form = browser.form(sp.acsUrl);
    expect(form.fields.RelayState).toBe('/shelf?x=1');
    const landed = await postToSp(browser, sp);
    expect(sp.errors).toEqual([]);
    expect(landed.html).toContain('Signed in as S0100001');
    const profile = [...sp.sessions.values()].at(-1)!;
    expect(profile.nameIDFormat).toBe('urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified');
    expect(profile.uid).toBe('S0100001');
    expect(profile.givenName).toBe('Ana');
    expect(profile.eduPersonAffiliation).toEqual(['student', 'member']);
    expect(typeof profile.sessionIndex).toBe('string');
  });
});
