import { ACR_MULTI_FACTOR } from '../../src/mfa/authn-context.js';
import { idpCertificates, registerTestSp, startTestSp, type TestSp } from '../helpers/saml-sp.js';
import { ENGINES, startTestServer, type TestServer } from '../helpers/server.js';
import { WebClient } from '../helpers/web-client.js';
import { appCode, secretFromPage } from './totp-code.js';

/** A SAML app learns from AuthnContextClassRef whether the sign-in used a second factor. */
describe.each(ENGINES)('SAML AuthnContextClassRef (%s)', (engine) => {
  let server: TestServer;
  let sp: TestSp;
  beforeAll(async () => {
    server = await startTestServer(engine, {
      overrides: {
        mfa: { requiredRoles: ['admin'] },
        email: { templates: { student: '{username}@students.maple.example', staff: '{username}@maple.example', teacher: '{username}@maple.example' } },
      },
    });
    sp = await startTestSp(server.url, (await idpCertificates(server.url))[0]);
    await registerTestSp(server.services, sp, { name: 'Library Catalog' });
  });
  afterAll(async () => {
    await sp?.close();
    await server?.close();
  });

  async function signInAt(username: string, password: string) {
    const browser = new WebClient();
    const start = await browser.get(`${sp.url}/login`);
    if (start.html.includes('name="SAMLRequest"')) await browser.submit('/saml/sso');
    await browser.submit('/username', { username });
    const page = await browser.submit('/password', { password });
    if (page.html.includes('Set up a second factor')) {
      await browser.submit('/enrol', { code: appCode(secretFromPage(page.html)) });
      await browser.submit('/recovery-codes');
    }
    const response = Buffer.from(browser.form(sp.acsUrl).fields.SAMLResponse, 'base64').toString('utf8');
    await browser.submit(sp.acsUrl);
    expect(sp.errors).toEqual([]);
    return /<saml:AuthnContextClassRef>([^<]+)<\/saml:AuthnContextClassRef>/.exec(response)![1];
  }

  test('password alone: PasswordProtectedTransport; with the second factor: the REFEDS MFA profile', async () => {
    expect(await signInAt('S0100001', 'Lakeside-Ana-2026')).toBe('urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport');
    expect(await signInAt('admin', 'Admin-Maple-2026')).toBe(ACR_MULTI_FACTOR);
  });
});
