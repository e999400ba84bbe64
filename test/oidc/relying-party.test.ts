import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { dirname } from 'node:path';
import * as oidc from 'openid-client';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { startCaptureServer } from '../helpers/capture-server.js';
import { ENGINES, startTestServer, type TestServer } from '../helpers/server.js';
import { WebClient } from '../helpers/web-client.js';
import { authorizationRequest } from '../helpers/authorization.js';

/** The whole relying-party story with openid-client, a real RP library, against a running Homeroom. */
describe.each(ENGINES)('openid-client relying party (%s)', (engine) => {
  let server: TestServer;
  let backchannel: Awaited<ReturnType<typeof startCaptureServer>>;
  let clientId: string;
  let clientSecret: string;
  let config: oidc.Configuration;
  const callback = 'http://127.0.0.1:9/app/callback';

  beforeAll(async () => {
    server = await startTestServer(engine);
    backchannel = await startCaptureServer();
    const registered = await server.services.clients.register({
      name: 'Learning App',
      redirectUris: [callback],
      postLogoutRedirectUris: ['http://127.0.0.1:9/app/signed-out'],
      backchannelLogoutUri: `${backchannel.url}/backchannel`,
      firstParty: true,
    });
    clientId = registered.client.clientId;
    clientSecret = registered.clientSecret!;
    config = await oidc.discovery(new URL(server.url), clientId, clientSecret, undefined, { execute: [oidc.allowInsecureRequests] });
  });
  afterAll(async () => {
    await server.close();
    await backchannel.close();
  });

  /** Authorization request → the letter's two login forms → back at the app's callback with a code. */
  async function authorize(browser: WebClient, params: Record<string, string> = {}) {
    const request = await authorizationRequest(config, callback, { scope: 'openid profile email roles school', nonce: true, params });
    browser.stopAt = callback;
    let page = await browser.get(request.url.href);
    if (page.url.includes('/interaction/')) {
      await browser.submit('/username', { username: 'S0100001' });
      page = await browser.submit('/password', { password: 'Lakeside-Ana-2026' });
    }
    expect(page.url.startsWith(callback)).toBe(true);
    return request.redeem(page.url);
  }

  test('discovery advertises what common relying parties need', () => {
    const metadata = config.serverMetadata();
    expect(metadata.issuer).toBe(server.url);
    expect(metadata.code_challenge_methods_supported).toEqual(['S256']);
    expect(metadata.id_token_signing_alg_values_supported).toContain('RS256');
    expect(metadata.token_endpoint_auth_methods_supported).toEqual(expect.arrayContaining(['client_secret_basic', 'client_secret_post']));
    expect(metadata.end_session_endpoint).toBe(`${server.url}/session/end`);
    expect(metadata.backchannel_logout_supported).toBe(true);
    expect(metadata.scopes_supported).toEqual(expect.arrayContaining(['openid', 'profile', 'email', 'roles', 'school', 'offline_access']));
  });

  test('code + PKCE, ID token, userinfo, refresh, then RP-initiated and back-channel logout', async () => {
    const browser = new WebClient();
    const tokens = await authorize(browser);

    // ID token: RS256, and the profile claims (sub is opaque, never the student number).
    expect(decodeProtectedHeader(tokens.id_token!).alg).toBe('RS256');
    const claims = tokens.claims()!;
    expect(claims.sub).not.toContain('100001');
    expect(claims.sub).toMatch(/^[0-9a-f-]{36}$/);
    expect(claims).toMatchObject({
      preferred_username: 'S0100001',
      name: 'Ana García',
      given_name: 'Ana',
      family_name: 'García',
      roles: ['student'],
      grade: '05',
      schools: [{ id: 'maple-lakeside', name: 'Lakeside Elementary School' }],
    });
    expect(typeof claims.sid).toBe('string');

    const userinfo = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub);
    expect(userinfo).toMatchObject({ sub: claims.sub, preferred_username: 'S0100001', given_name: 'Ana', family_name: 'García', roles: ['student'] });

    expect(tokens.refresh_token).toBeTruthy();
    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    expect(refreshed.access_token).not.toBe(tokens.access_token);
    const again = await oidc.fetchUserInfo(config, refreshed.access_token, claims.sub);
    expect(again.sub).toBe(claims.sub);

    // RP-initiated logout: the confirmation form (auto-submitted by script in a real browser) ends the session.
    const endSession = oidc.buildEndSessionUrl(config, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: 'http://127.0.0.1:9/app/signed-out' });
    browser.stopAt = 'http://127.0.0.1:9/app/signed-out';
    await browser.get(endSession.href);
    expect(browser.page!.html).toContain('data-autosubmit');
    const done = await browser.submit('/session/end/confirm', { logout: 'yes' });
    expect(done.url).toBe('http://127.0.0.1:9/app/signed-out');

    // The app was told through back-channel logout, with a logout token naming the user and the session.
    const logoutCall = backchannel.received.find((r) => r.url === '/backchannel');
    expect(logoutCall).toBeDefined();
    const logoutToken = decodeJwt(new URLSearchParams(logoutCall!.body).get('logout_token')!);
    expect(logoutToken).toMatchObject({ iss: server.url, aud: clientId, sub: claims.sub, sid: claims.sid });

    // Signed out for real: the refresh token (not offline_access) is revoked and the next authorization asks for the
    // password again.
    await expect(oidc.refreshTokenGrant(config, refreshed.refresh_token ?? tokens.refresh_token!)).rejects.toThrow();
    browser.stopAt = callback;
    const next = await browser.get(
      oidc.buildAuthorizationUrl(config, { redirect_uri: callback, scope: 'openid', code_challenge: 'x'.repeat(43), code_challenge_method: 'S256' }).href,
    );
    expect(next.url).toContain('/interaction/');
    expect(next.html).toContain('name="username"');
  });

  test('client_secret_post works as well as client_secret_basic; offline_access with prompt=consent needs no consent screen for a first-party app', async () => {
    const postConfig = await oidc.discovery(new URL(server.url), clientId, clientSecret, oidc.ClientSecretPost(clientSecret), { execute: [oidc.allowInsecureRequests] });
    const previous = config;
    config = postConfig;
    try {
      const tokens = await authorize(new WebClient(), { scope: 'openid offline_access', prompt: 'consent' });
      expect(tokens.scope).toBe('openid offline_access');
      expect(tokens.refresh_token).toBeTruthy();
    } finally {
      config = previous;
    }
  });

  test('a wrong client secret is refused at the token endpoint', async () => {
    const bad = await oidc.discovery(new URL(server.url), clientId, 'not-the-secret-not-the-secret-000', undefined, { execute: [oidc.allowInsecureRequests] });
    const previous = config;
    config = bad;
    try {
      await expect(authorize(new WebClient())).rejects.toMatchObject({ error: 'invalid_client' });
    } finally {
      config = previous;
    }
  });

  test('a public client must use PKCE', async () => {
    const { client } = await server.services.clients.register({ name: 'Public App', redirectUris: [callback], public: true, firstParty: true });
    const browser = new WebClient();
    browser.stopAt = callback;
    const url = new URL(`${server.url}/auth`);
    url.search = new URLSearchParams({ client_id: client.clientId, response_type: 'code', scope: 'openid', redirect_uri: callback }).toString();
    const page = await browser.get(url.href);
    expect(page.url.startsWith(callback)).toBe(true);
    expect(new URL(page.url).searchParams.get('error')).toBe('invalid_request');
    expect(new URL(page.url).searchParams.get('error_description')).toMatch(/PKCE/);
  });

  test('an app that is not first-party asks for consent once', async () => {
    const { client, clientSecret: secret } = await server.services.clients.register({ name: 'Third Party Quiz', redirectUris: [callback] });
    const thirdParty = await oidc.discovery(new URL(server.url), client.clientId, secret!, undefined, { execute: [oidc.allowInsecureRequests] });
    const browser = new WebClient();
    browser.stopAt = callback;
    const request = await authorizationRequest(thirdParty, callback);
    await browser.get(request.url.href);
    await browser.submit('/username', { username: 'S0100001' });
    const consent = await browser.submit('/password', { password: 'Lakeside-Ana-2026' });
    expect(consent.html).toContain('Third Party Quiz wants to use your account');
    const back = await browser.submit('/consent', { decision: 'allow' });
    expect(back.url.startsWith(callback)).toBe(true);
    const tokens = await request.redeem(back.url);
    expect(tokens.claims()!.preferred_username).toBe('S0100001');

    // The grant is remembered: the next visit goes straight back to the app (single sign-on, no consent page).
    const second = await browser.get((await authorizationRequest(thirdParty, callback)).url.href);
    expect(second.url.startsWith(callback)).toBe(true);
    expect(new URL(second.url).searchParams.get('code')).toBeTruthy();
  });

  test('clients registered with the CLI sign in at once, without a restart', async () => {
    if (engine !== 'sqlite') return; // The CLI reads the same database through HOMEROOM_DATA_DIR here.
    const env = { ...process.env, HOMEROOM_DATA_DIR: dirname(server.database.options.file!), HOMEROOM_DEMO: '0', LOG_LEVEL: 'silent' };
    // Asynchronously: a blocking spawn would freeze the server this test talks to.
    const result = await promisify(execFile)(process.execPath, ['bin/homeroom.js', 'clients', 'add', '--name', 'CLI App', '--redirect-uri', callback, '--first-party', '--json'], {
      env,
      encoding: 'utf8',
    });
    expect(result.stderr).not.toMatch(/error/i);
    const printed = JSON.parse(result.stdout) as { client_id: string; client_secret: string };
    expect(printed.client_secret).toBeTruthy();
    const cliConfig = await oidc.discovery(new URL(server.url), printed.client_id, printed.client_secret, undefined, { execute: [oidc.allowInsecureRequests] });
    const previous = config;
    config = cliConfig;
    try {
      const tokens = await authorize(new WebClient());
      expect(tokens.claims()!.aud).toBe(printed.client_id);
    } finally {
      config = previous;
    }
  });
});
