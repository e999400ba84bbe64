import * as oidc from 'openid-client';
import { ENGINES, startTestServer, type TestServer } from '../helpers/server.js';
import { idpCertificates, registerTestSp, startTestSp, type TestSp } from '../helpers/saml-sp.js';
import { signIn, WebClient } from '../helpers/web-client.js';

const CALLBACK = 'http://127.0.0.1:9/disabled-check/callback';

/**
 * An account disabled straight in the database (not through the roster, which ends its sessions itself) while its
 * browser is still signed in: the next authorization request gets no code and no assertion, but a clear page, and
 * the browser's sign-in ends.
 */
describe.each(ENGINES)('a disabled account with a live session (%s)', (engine) => {
  let server: TestServer;
  let sp: TestSp;
  let config: oidc.Configuration;

  beforeAll(async () => {
    server = await startTestServer(engine);
    const { client, clientSecret } = await server.services.clients.register({ name: 'Disabled check', redirectUris: [CALLBACK], firstParty: true });
    config = await oidc.discovery(new URL(server.url), client.clientId, clientSecret!, undefined, { execute: [oidc.allowInsecureRequests] });
    sp = await startTestSp(server.url, (await idpCertificates(server.url))[0], 'disabled');
    await registerTestSp(server.services, sp, { name: 'Library Catalog' });
  });
  afterAll(async () => {
    await sp?.close();
    await server?.close();
  });

  async function signedInThenDisabled(username: string, password: string): Promise<{ browser: WebClient; accountId: string }> {
    const browser = new WebClient();
    expect((await signIn(browser, `${server.url}/`, username, password)).status).toBe(200);
    const account = (await server.services.accounts.findByUsername(username))!;
    await server.services.store.db.updateTable('accounts').set({ status: 'disabled' }).where('id', '=', account.id).execute();
    return { browser, accountId: account.id };
  }

  const authorizationUrl = () =>
    oidc.buildAuthorizationUrl(config, {
      redirect_uri: CALLBACK,
      scope: 'openid',
      state: oidc.randomState(),
      code_challenge: 'E9Melhoa2OwvFrEMTJguCQaoXLGNmGvTG_Yv35zF3Tc',
      code_challenge_method: 'S256',
    }).href;

  test('an OIDC app: no code, a clear 403 page, an audit event; the browser is signed out', async () => {
    const { browser, accountId } = await signedInThenDisabled('S0100001', 'Lakeside-Ana-2026');
    browser.stopAt = CALLBACK;
    const page = await browser.get(authorizationUrl());
    expect(page.url.startsWith(CALLBACK)).toBe(false);
    expect(page.status).toBe(403);
    expect(page.html).toContain('This account is disabled');
    expect(page.html).toContain('ACCOUNT_DISABLED');
    const [event] = await server.services.audit.recent({ type: 'login.refused_disabled', subjectId: accountId });
    expect(event).toBeDefined();

    // Signed out: once the account is active again, the same browser is asked to sign in rather than let through.
    await server.services.store.db.updateTable('accounts').set({ status: 'active' }).where('id', '=', accountId).execute();
    const again = await browser.get(authorizationUrl());
    expect(again.url).toContain('/interaction/');
  });

  test('a SAML app: no assertion reaches it, and the page is the same', async () => {
    const { browser } = await signedInThenDisabled('mrivera', 'Teach-Lakeside-2026');
    const page = await browser.get(`${sp.url}/login`);
    expect(page.status).toBe(403);
    expect(page.html).toContain('This account is disabled');
    expect(page.html).not.toContain('SAMLResponse');
    expect(sp.sessions.size).toBe(0);
  });
});
