import { deflateRawSync } from 'node:zlib';
import { SAML } from '@node-saml/node-saml';
import { ENGINES, startTestServer, type TestServer } from '../helpers/server.js';
import { idpCertificates, registerTestSp, startTestSp, type TestSp } from '../helpers/saml-sp.js';
import { signIn, WebClient } from '../helpers/web-client.js';
import { createSessionRevoker } from '../../src/oidc/session-revoker.js';

const ANA = { username: 'S0100001', password: 'Lakeside-Ana-2026' };
const TEMPLATE = '{username}@students.maple.example';

/** Starts the SP's sign-in and, when Homeroom asks, types Ana's username and password; returns Homeroom's last page. */
async function signInAt(browser: WebClient, sp: TestSp, user = ANA) {
  let page = await browser.get(`${sp.url}/login`);
  if (page.html.includes('name="SAMLRequest"')) page = await browser.submit('/saml/sso');
  if (page.url.includes('/interaction/')) {
    await browser.submit('/username', { username: user.username });
    page = await browser.submit('/password', { password: user.password });
  }
  return page;
}

/** Presses the auto-post form's Continue button, as a browser without JavaScript does. */
function postToSp(browser: WebClient, sp: TestSp) {
  return browser.submit(sp.acsUrl);
}

/** An AuthnRequest the SP would send, signed by node-saml, as the URL the browser is sent to (HTTP-Redirect). */
function authorizeUrl(sp: TestSp, saml: SAML = sp.saml) {
  return saml.getAuthorizeUrlAsync('', undefined, {});
}

describe.each(ENGINES)('SAML identity provider with a node-saml service provider (%s)', (engine) => {
  let server: TestServer;
  let sp: TestSp;
  let providerId: string;

  beforeAll(async () => {
    server = await startTestServer(engine, { overrides: { email: { templates: { student: TEMPLATE } } } });
    sp = await startTestSp(server.url, (await idpCertificates(server.url))[0]);
    const provider = await registerTestSp(server.services, sp, { name: 'Library Catalog', portal: true });
    providerId = provider.id;
  });
  afterAll(async () => {
    await sp?.close();
    await server?.close();
  });
  afterEach(() => {
    sp.configure({ authnRequestBinding: 'HTTP-Redirect', skipRequestCompression: false, forceAuthn: false, passive: false, validateInResponseTo: 'always' as never });
    sp.errors.length = 0;
  });

  async function refusals(reason: string): Promise<number> {
    const events = await server.services.audit.recent({ type: 'saml.refused', limit: 500 });
    return events.filter((e) => e.data.reason === reason).length;
  }

  test('metadata: entity ID, both bindings for sign-in and sign-out, a signing certificate and the NameID formats', async () => {
    const response = await fetch(`${server.url}/saml/metadata`);
    expect(response.headers.get('content-type')).toContain('application/samlmetadata+xml');
    const xml = await response.text();
    expect(xml).toContain(`entityID="${server.url}/saml/metadata"`);
    for (const binding of ['HTTP-Redirect', 'HTTP-POST']) {
      expect(xml).toContain(`<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:${binding}" Location="${server.url}/saml/sso"/>`);
      expect(xml).toContain(`<md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:${binding}" Location="${server.url}/saml/slo"/>`);
    }
    expect(xml.match(/<md:KeyDescriptor use="signing">/g)).toHaveLength(1);
    expect(xml).toContain('<md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:persistent</md:NameIDFormat>');
  });

  test('SP-initiated sign-in by HTTP-Redirect: the login page names the app, node-saml accepts the signed Response, RelayState comes back untouched', async () => {
    const browser = new WebClient();
    const page = await browser.get(`${sp.url}/login?relay=${encodeURIComponent('/shelf?x=1&y=é')}`);
    expect(page.url).toContain('/interaction/');
    expect(page.html).toContain('to continue to Library Catalog');
    await browser.submit('/username', { username: ANA.username });
    const wrong = await browser.submit('/password', { password: 'not-her-password' });
    expect(wrong.status).toBe(401);
    expect(browser.alert()).toBe('Authentication Failed');
    const posted = await browser.submit('/password', { password: ANA.password });
    expect(posted.url).toContain('/saml/callback');
    const form = browser.form(sp.acsUrl);
    expect(form.fields.RelayState).toBe('/shelf?x=1&y=é');
    const response = Buffer.from(form.fields.SAMLResponse, 'base64').toString('utf8');
    expect(response).toContain(`Destination="${sp.acsUrl}"`);
    expect(response).toContain(`Recipient="${sp.acsUrl}"`);
    expect(response).toContain(`<saml:Audience>${sp.entityId}</saml:Audience>`);
    expect(response.match(/<saml:Assertion /g)).toHaveLength(1);
    expect(response.match(/<ds:Signature /g)).toHaveLength(2);
    expect(response).toContain('http://www.w3.org/2001/04/xmldsig-more#rsa-sha256');

    const landed = await postToSp(browser, sp);
    expect(sp.errors).toEqual([]);
    expect(landed.html).toContain('Signed in as S0100001');
    const profile = [...sp.sessions.values()].at(-1)!;
    expect(profile.nameIDFormat).toBe('urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified');
    expect(profile).toMatchObject({ uid: 'S0100001', givenName: 'Ana', sn: 'García', displayName: 'Ana García', mail: 's0100001@students.maple.example', grade: '05' });
    expect(profile.eduPersonAffiliation).toEqual(['student', 'member']);
    expect(profile.school).toBe('Lakeside Elementary School');
    expect(profile.sessionIndex).toMatch(/^_[0-9a-f]{40}$/);
    expect((await server.services.audit.recent({ type: 'saml.assertion_issued' }))[0].data).toMatchObject({ app: sp.entityId, unsolicited: false });
  });

  test('SP-initiated sign-in by HTTP-POST (a signed AuthnRequest in a form)', async () => {
    sp.configure({ authnRequestBinding: 'HTTP-POST', skipRequestCompression: true });
    const browser = new WebClient();
    const page = await signInAt(browser, sp);
    expect(page.url).toContain('/saml/callback');
    expect((await postToSp(browser, sp)).html).toContain('Signed in as S0100001');
    expect(sp.errors).toEqual([]);
  });

  test('one sign-on: after the portal, the SAML app signs in without a password; the portal shows its tile (IdP-initiated)', async () => {
    const browser = new WebClient();
    const portal = await signIn(browser, `${server.url}/`, ANA.username, ANA.password);
    expect(portal.html).toContain('Hello, Ana');
    expect(portal.html).toContain(`href="/saml/launch/${providerId}"`);

    const fromSp = await browser.get(`${sp.url}/login`);
    expect(fromSp.url).toContain('/saml/callback');
    expect((await postToSp(browser, sp)).html).toContain('Signed in as S0100001');

    // The tile: an unsolicited Response to the default ACS, without InResponseTo.
    sp.configure({ validateInResponseTo: 'ifPresent' as never });
    const launched = await browser.get(`${server.url}/saml/launch/${providerId}`);
    expect(launched.url).toContain('/saml/callback');
    const xml = Buffer.from(browser.form(sp.acsUrl).fields.SAMLResponse, 'base64').toString('utf8');
    expect(xml).not.toContain('InResponseTo=');
    expect((await postToSp(browser, sp)).html).toContain('Signed in as S0100001');
    expect(sp.errors).toEqual([]);
  });

  test('ForceAuthn asks for the password again; IsPassive answers NoPassive without a session, and signs in with one', async () => {
    const browser = new WebClient();
    await signIn(browser, `${server.url}/`, ANA.username, ANA.password);
    sp.configure({ forceAuthn: true });
    const forced = await browser.get(`${sp.url}/login`);
    expect(forced.url).toContain('/interaction/');
    await browser.submit('/username', { username: ANA.username });
    await browser.submit('/password', { password: ANA.password });
    expect((await postToSp(browser, sp)).html).toContain('Signed in as S0100001');

    sp.configure({ forceAuthn: false, passive: true });
    const again = await browser.get(`${sp.url}/login`);
    expect(again.url).toContain('/saml/callback');
    expect((await postToSp(browser, sp)).html).toContain('Signed in as S0100001');

    const stranger = new WebClient();
    const passive = await stranger.get(`${sp.url}/login`);
    expect(passive.url).toContain('/saml/callback');
    const xml = Buffer.from(stranger.form(sp.acsUrl).fields.SAMLResponse, 'base64').toString('utf8');
    expect(xml).toContain('urn:oasis:names:tc:SAML:2.0:status:NoPassive');
    expect(xml).not.toContain('<saml:Assertion');
    const refused = await postToSp(stranger, sp);
    expect(refused.status).toBe(401);
    expect(sp.errors).toEqual(['no assertion (NoPassive)']);
  });

  test('attribute mapping, email NameID and per-app signing: a second app gets its own names and a NameID from the email template', async () => {
    const other = await startTestSp(server.url, (await idpCertificates(server.url))[0], 'mapped');
    try {
      other.configure({ identifierFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress', wantAuthnResponseSigned: false });
      await registerTestSp(server.services, other, {
        name: 'Mapped App',
        slo: null,
        certificate: null,
        nameIdSource: 'email',
        attributes: { uid: 'urn:oid:0.9.2342.19200300.100.1.1', mail: 'email', school: 'schools' },
        signResponse: false,
        signatureAlgorithm: 'rsa-sha512',
      });
      const browser = new WebClient();
      await signInAt(browser, other);
      const xml = Buffer.from(browser.form(other.acsUrl).fields.SAMLResponse, 'base64').toString('utf8');
      expect(xml.match(/<ds:Signature /g)).toHaveLength(1);
      expect(xml).toContain('xmldsig-more#rsa-sha512');
      expect(xml).toContain('NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:uri"');
      expect((await postToSp(browser, other)).html).toContain('Signed in as s0100001@students.maple.example');
      expect(other.errors).toEqual([]);
      const profile = [...other.sessions.values()].at(-1)!;
      expect(profile['urn:oid:0.9.2342.19200300.100.1.1']).toBe('S0100001');
      expect(profile.email).toBe('s0100001@students.maple.example');
      expect(profile.schools).toBe('Lakeside Elementary School');
      expect(profile.givenName).toBeUndefined();
      expect(profile.nameIDFormat).toBe('urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress');
    } finally {
      await other.close();
    }
  });

  test('an app that signs people in by email, and an account with no email: a clear page, no assertion', async () => {
    const other = await startTestSp(server.url, (await idpCertificates(server.url))[0], 'byemail');
    try {
      await registerTestSp(server.services, other, { name: 'Mail App', slo: null, certificate: null, nameIdSource: 'email' });
      const hash = await server.services.hasher.hash('No-Email-Pass-2026');
      // Staff have no email template here, and this account no roster email.
      await server.services.accounts.create({ username: 'noemail1', givenName: 'Nia', familyName: 'Mail', roles: ['staff'], passwordHash: hash });
      const browser = new WebClient();
      const page = await signInAt(browser, other, { username: 'noemail1', password: 'No-Email-Pass-2026' });
      expect(page.status).toBe(403);
      expect(page.html).toContain('Your account has no email address, and Mail App signs people in by email address.');
      expect(page.html).not.toContain('SAMLResponse');
      const [event] = await server.services.audit.recent({ type: 'saml.sign_in_failed' });
      expect(event.data).toMatchObject({ app: other.entityId, reason: 'no_email' });
    } finally {
      await other.close();
    }
  });

  test('a withdrawn account gets no assertion: its sessions end, and the sign-in page says Authentication Failed', async () => {
    const browser = new WebClient();
    const hash = await server.services.hasher.hash('Withdrawn-Pass-2026');
    const account = await server.services.accounts.create({ username: 'withdrawn1', givenName: 'Wes', familyName: 'Gone', roles: ['student'], passwordHash: hash });
    await signInAt(browser, sp, { username: 'withdrawn1', password: 'Withdrawn-Pass-2026' });
    expect((await postToSp(browser, sp)).html).toContain('Signed in as withdrawn1');
    // What a roster import does to a withdrawn student: disabled, every session ended.
    await server.services.store.db.updateTable('accounts').set({ status: 'disabled' }).where('id', '=', account.id).execute();
    await createSessionRevoker(server.provider, server.services).revokeAll(account.id);
    const page = await browser.get(`${sp.url}/login`);
    expect(page.url).toContain('/interaction/');
    await browser.submit('/username', { username: 'withdrawn1' });
    await browser.submit('/password', { password: 'Withdrawn-Pass-2026' });
    expect(browser.alert()).toBe('Authentication Failed');
    expect(browser.page!.html).not.toContain('SAMLResponse');
  });

  test('an account disabled between its password and the answer to the app gets no assertion', async () => {
    const hash = await server.services.hasher.hash('Withdrawn-Pass-2026');
    const account = await server.services.accounts.create({ username: 'withdrawn2', givenName: 'Wyn', familyName: 'Gone', roles: ['student'], passwordHash: hash });
    const browser = new WebClient();
    browser.stopAt = `${server.url}/saml/callback`;
    await signInAt(browser, sp, { username: 'withdrawn2', password: 'Withdrawn-Pass-2026' });
    const callback = browser.page!.url;
    await server.services.store.db.updateTable('accounts').set({ status: 'disabled' }).where('id', '=', account.id).execute();
    browser.stopAt = null;
    const page = await browser.get(callback);
    expect(page.status).toBe(400);
    expect(page.html).not.toContain('SAMLResponse');
  });

  describe('refusals: a clear page (400), an audit event, never a 500', () => {
    async function expectRefused(url: string, reason: string, init: { method?: string; body?: string } = {}) {
      const before = await refusals(reason);
      const page = await new WebClient().request(url, init);
      expect(page.status).toBe(400);
      expect(page.html).toContain(`<code>${reason}</code>`);
      expect(await refusals(reason)).toBe(before + 1);
      return page;
    }

    test('an AuthnRequest whose ACS URL is not registered for the app', async () => {
      const saml = new SAML({ ...sp.saml.options, callbackUrl: 'http://127.0.0.1:9/steal' });
      const page = await expectRefused(await authorizeUrl(sp, saml), 'WRONG_ACS');
      expect(page.html).toContain('an address that is not registered for it');
    });

    test('an unknown issuer', async () => {
      const saml = new SAML({ ...sp.saml.options, issuer: 'https://unknown.example/sp' });
      await expectRefused(await authorizeUrl(sp, saml), 'UNKNOWN_ISSUER');
    });

    test('an unsigned request from an app that registered a certificate (both bindings), and a forged signature', async () => {
      const { privateKey: _key, ...unsigned } = sp.saml.options;
      await expectRefused(await authorizeUrl(sp, new SAML(unsigned)), 'SIGNATURE_MISSING');
      const form = await new SAML({ ...unsigned, authnRequestBinding: 'HTTP-POST' }).getAuthorizeMessageAsync('');
      await expectRefused(`${server.url}/saml/sso`, 'SIGNATURE_MISSING', { method: 'POST', body: new URLSearchParams(form as Record<string, string>).toString() });
      const signed = await authorizeUrl(sp);
      const forged = signed.replace(/Signature=([^&]+)/, (_all, value: string) => `Signature=${value.startsWith('A') ? 'B' : 'A'}${value.slice(1)}`);
      await expectRefused(forged, 'SIGNATURE_INVALID');
    });

    test('a replayed AuthnRequest', async () => {
      const url = await authorizeUrl(sp);
      const first = await new WebClient().get(url);
      expect(first.url).toContain('/interaction/');
      await expectRefused(url, 'REQUEST_REPLAYED');
    });

    test('a document type declaration (XXE, entity expansion), whatever else the message holds', async () => {
      const xml = `<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_x1" Version="2.0" IssueInstant="${new Date().toISOString()}"><saml:Issuer>${sp.entityId}&x;</saml:Issuer></samlp:AuthnRequest>`;
      const page = await expectRefused(`${server.url}/saml/sso?SAMLRequest=${encodeURIComponent(deflateRawSync(xml).toString('base64'))}`, 'XML_DTD');
      expect(page.html).not.toContain('root:');
    });

    test('signature wrapping: the signed request moved inside another, or the signature moved to another request', async () => {
      const message = await new SAML({ ...sp.saml.options, authnRequestBinding: 'HTTP-POST', skipRequestCompression: true }).getAuthorizeMessageAsync('');
      const signed = Buffer.from(String(message.SAMLRequest), 'base64').toString('utf8');
      const id = /ID="([^"]+)"/.exec(signed)![1];
      const evil = (inner: string, signature = '') =>
        `<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_evil" Version="2.0" IssueInstant="${new Date().toISOString()}" AssertionConsumerServiceURL="http://127.0.0.1:9/steal"><saml:Issuer>${sp.entityId}</saml:Issuer>${signature}<samlp:Extensions>${inner}</samlp:Extensions></samlp:AuthnRequest>`;
      const post = (xml: string) => ({ method: 'POST', body: new URLSearchParams({ SAMLRequest: Buffer.from(xml).toString('base64') }).toString() });
      await expectRefused(`${server.url}/saml/sso`, 'SIGNATURE_WRAPPED', post(evil(signed.replace(/^<\?xml[^>]*>/, ''))));
      const signature = /<(\w+:)?Signature[\s\S]*<\/(\w+:)?Signature>/.exec(signed)![0];
      const stripped = signed.replace(signature, '').replace(/^<\?xml[^>]*>/, '');
      expect(stripped).toContain(id);
      await expectRefused(`${server.url}/saml/sso`, 'SIGNATURE_WRAPPED', post(evil(stripped, signature)));
    });

    test('an oversized message and deflate bombs (HTTP-Redirect and a deflated HTTP-POST)', async () => {
      await expectRefused(`${server.url}/saml/sso`, 'MESSAGE_TOO_LARGE', { method: 'POST', body: new URLSearchParams({ SAMLRequest: 'A'.repeat(70_000) }).toString() });
      const bomb = (spaces: number) =>
        deflateRawSync(Buffer.from(`<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol">${' '.repeat(spaces)}</samlp:AuthnRequest>`)).toString('base64');
      const small = bomb(8_000_000);
      expect(small.length).toBeLessThan(12_000);
      await expectRefused(`${server.url}/saml/sso?SAMLRequest=${encodeURIComponent(small)}`, 'MESSAGE_TOO_LARGE');
      await expectRefused(`${server.url}/saml/sso`, 'MESSAGE_TOO_LARGE', { method: 'POST', body: new URLSearchParams({ SAMLRequest: bomb(60_000_000) }).toString() });
    });

    test('garbage, and a callback for no pending sign-in', async () => {
      await expectRefused(`${server.url}/saml/sso?SAMLRequest=${encodeURIComponent('<not base64>')}`, 'MESSAGE_ENCODING');
      await expectRefused(`${server.url}/saml/sso?SAMLRequest=${encodeURIComponent(deflateRawSync('<not xml').toString('base64'))}`, 'XML_MALFORMED');
      await expectRefused(`${server.url}/saml/callback?state=nothing&code=x`, 'REQUEST_EXPIRED_FLOW');
    });
  });
});
