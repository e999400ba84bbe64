import { SAML } from '@node-saml/node-saml';
import { ENGINES, startTestServer, type TestServer } from '../helpers/server.js';
import { idpCertificates, registerTestSp, startTestSp, type TestSp } from '../helpers/saml-sp.js';
import { signIn, WebClient } from '../helpers/web-client.js';

const ANA = { username: 'S0100001', password: 'Lakeside-Ana-2026' };

/** Signs Ana in at the portal, then at each SAML app (no password: one sign-on) and at the demo OIDC app. */
async function signedInEverywhere(server: TestServer, sps: TestSp[]): Promise<WebClient> {
  const browser = new WebClient();
  await signIn(browser, `${server.url}/`, ANA.username, ANA.password);
  for (const sp of sps) {
    await browser.get(`${sp.url}/login`);
    expect((await browser.submit(sp.acsUrl)).html).toContain('Signed in as S0100001');
  }
  expect((await browser.get(`${server.url}/demo-app/`)).html).toContain('Welcome, Ana');
  return browser;
}

describe.each(ENGINES)('SAML single logout with node-saml service providers (%s)', (engine) => {
  let server: TestServer;
  let library: TestSp;
  let reading: TestSp;

  beforeAll(async () => {
    server = await startTestServer(engine);
    const [certificate] = await idpCertificates(server.url);
    library = await startTestSp(server.url, certificate, 'library');
    reading = await startTestSp(server.url, certificate, 'reading');
    await registerTestSp(server.services, library, { name: 'Library' });
    // This one takes its LogoutRequests by HTTP-POST.
    await registerTestSp(server.services, reading, { name: 'Reading', slo: { url: reading.sloUrl, binding: 'post' } });
  });
  afterAll(async () => {
    await library?.close();
    await reading?.close();
    await server?.close();
  });

  test('signing out of the portal ends the SAML apps’ sessions through the browser, and the OIDC apps’ by back-channel', async () => {
    const browser = await signedInEverywhere(server, [library, reading]);
    expect(library.sessions.size + reading.sessions.size).toBeGreaterThanOrEqual(2);
    await browser.get(`${server.url}/`);
    await browser.submit('/logout');
    // The provider's confirmation (app.js presses it; a browser without JavaScript shows the button).
    let page = await browser.submit('/session/end/confirm', { logout: 'yes' });
    if (page.html.includes('name="SAMLRequest"')) page = await browser.submit(reading.sloUrl);
    expect(library.errors.concat(reading.errors)).toEqual([]);
    expect(page.url).toBe(`${server.url}/signed-out`);
    expect(page.html).toContain('You are signed out');
    expect(library.sessions.size).toBe(0);
    expect(reading.sessions.size).toBe(0);
    // Homeroom and the demo app: signed out too.
    expect((await browser.get(`${server.url}/demo-app/`)).url).toContain('/interaction/');
    expect((await browser.get(`${library.url}/login`)).url).toContain('/interaction/');
  });

  test('an app’s signed LogoutRequest ends the Homeroom session, the other SAML app’s and the OIDC apps’, and gets a signed LogoutResponse', async () => {
    const browser = await signedInEverywhere(server, [library, reading]);
    let page = await browser.get(`${library.url}/logout`);
    // The other SAML app is told first (by HTTP-POST, its binding), then the requester gets its answer.
    expect(page.html).toContain('name="SAMLRequest"');
    page = await browser.submit(reading.sloUrl);
    expect(library.errors.concat(reading.errors)).toEqual([]);
    expect(page.url.startsWith(library.sloUrl)).toBe(true);
    expect(page.html).toContain('Signed out of the SP');
    expect(page.html).toContain('logged out');
    expect(library.sessions.size).toBe(0);
    expect(reading.sessions.size).toBe(0);
    expect((await browser.get(`${server.url}/`)).url).toContain('/interaction/');
    expect((await browser.get(`${server.url}/demo-app/`)).url).toContain('/interaction/');
    const [event] = await server.services.audit.recent({ type: 'saml.logout_requested' });
    expect(event.data).toMatchObject({ app: library.entityId, sessions: 1, otherApps: 1 });
  });

  test('an unsigned LogoutRequest from an app that registered a certificate is refused, and the session stays', async () => {
    const browser = await signedInEverywhere(server, [library]);
    const profile = [...library.sessions.values()].at(-1)!;
    const { privateKey: _key, ...unsigned } = library.saml.options;
    const url = await new SAML(unsigned).getLogoutUrlAsync(profile, '', {});
    const refused = await browser.get(url);
    expect(refused.status).toBe(400);
    expect(refused.html).toContain('<code>SIGNATURE_MISSING</code>');
    expect((await browser.get(`${server.url}/`)).html).toContain('Hello, Ana');
  });
});
