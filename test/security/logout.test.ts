import * as oidc from 'openid-client';
import { startCaptureServer } from '../helpers/capture-server.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { signIn, WebClient } from '../helpers/web-client.js';
import { authorizationRequest } from '../helpers/authorization.js';

const ANA = { username: 'S0100001', password: 'Lakeside-Ana-2026' };
const NOAH = { username: 'S0100002', password: 'Lakeside-Noah-2026' };

/**
 * Findings 3 and 4 of the outside test, the way they were found: a sign-out link carrying someone's ID token, and the
 * "stay signed in" choice on the sign-out page, followed by a browser without JavaScript (every click is explicit).
 */
describe('signing out', () => {
  let server: TestServer;
  let backchannel: Awaited<ReturnType<typeof startCaptureServer>>;
  /** An app that takes back-channel logout (its ID tokens carry the session id) and one that does not. */
  const apps: Record<'withSid' | 'withoutSid', oidc.Configuration> = {} as never;
  const callback = 'http://127.0.0.1:9/app/callback';

  beforeAll(async () => {
    server = await startTestServer('sqlite');
    backchannel = await startCaptureServer();
    for (const [key, backchannelLogoutUri] of [
      ['withSid', `${backchannel.url}/backchannel`],
      ['withoutSid', undefined],
    ] as const) {
      const { client, clientSecret } = await server.services.clients.register({ name: `App ${key}`, redirectUris: [callback], backchannelLogoutUri, firstParty: true });
      apps[key] = await oidc.discovery(new URL(server.url), client.clientId, clientSecret!, undefined, { execute: [oidc.allowInsecureRequests] });
    }
  }, 60_000);
  afterAll(async () => {
    await server.close();
    await backchannel.close();
  });

  /** Signs in to an app in this browser (typing the password if the browser is not signed in) and returns its ID token. */
  async function idTokenFor(browser: WebClient, app: oidc.Configuration, person: typeof ANA): Promise<string> {
    const request = await authorizationRequest(app, callback);
    browser.stopAt = callback;
    let page = await browser.get(request.url.href);
    if (page.url.includes('/interaction/')) {
      await browser.submit('/username', { username: person.username });
      page = await browser.submit('/password', { password: person.password });
    }
    browser.stopAt = null;
    const tokens = await request.redeem(page.url);
    expect(tokens.claims()!.preferred_username).toBe(person.username);
    return tokens.id_token!;
  }

  const endSession = (hint: string) => `${server.url}/session/end?${new URLSearchParams({ id_token_hint: hint })}`;

  /** The confirmation page asks (no self-submission), and "Stay signed in" changes nothing. */
  async function asksAndStays(browser: WebClient, url: string, person: string) {
    const page = await browser.get(url);
    expect(page.status).toBe(200);
    expect(page.html).toContain('Sign out of this device?');
    expect(page.html).not.toContain('data-autosubmit');
    expect(page.html).toContain(`You are signed in as ${person}`);
    expect(page.html).toMatch(/<a class="button" href="\/">Stay signed in<\/a>/);
    const portal = await browser.get(`${server.url}/`);
    expect(portal.html).toContain('Hello, Ana');
  }

  test("a link with another person's ID token does not sign anyone out by itself: the person is asked, and can stay", async () => {
    const attacker = new WebClient();
    const noahsToken = await idTokenFor(attacker, apps.withSid, NOAH);
    const ana = new WebClient();
    await signIn(ana, `${server.url}/`, ANA.username, ANA.password);
    await asksAndStays(ana, endSession(noahsToken), 'Ana García (S0100001)');
    // Noah's token even for an app Ana also uses in this session.
    await idTokenFor(ana, apps.withSid, ANA);
    await asksAndStays(ana, endSession(noahsToken), 'Ana García (S0100001)');
    await asksAndStays(ana, `${server.url}/session/end`, 'Ana García (S0100001)');
  });

  test("Ana's own ID token left from an earlier sign-in, or for an app this sign-in never opened, asks too", async () => {
    const ana = new WebClient();
    const earlierWithSid = await idTokenFor(ana, apps.withSid, ANA);
    const earlierWithoutSid = await idTokenFor(ana, apps.withoutSid, ANA);
    await ana.get(endSession(earlierWithSid));
    await ana.submit('/session/end/confirm', { logout: 'yes' });
    // ID tokens count time in whole seconds: the next sign-in is a later second than the earlier tokens.
    await new Promise((resolve) => setTimeout(resolve, 1100));

    await signIn(ana, `${server.url}/`, ANA.username, ANA.password);
    await asksAndStays(ana, endSession(earlierWithSid), 'Ana García (S0100001)');
    await asksAndStays(ana, endSession(earlierWithoutSid), 'Ana García (S0100001)');
    // She opens both apps again in this sign-in: the earlier tokens still do not count, this sign-in's do.
    const nowWithSid = await idTokenFor(ana, apps.withSid, ANA);
    const nowWithoutSid = await idTokenFor(ana, apps.withoutSid, ANA);
    await asksAndStays(ana, endSession(earlierWithSid), 'Ana García (S0100001)');
    await asksAndStays(ana, endSession(earlierWithoutSid), 'Ana García (S0100001)');
    for (const token of [nowWithSid, nowWithoutSid]) expect((await ana.get(endSession(token))).html).toContain('data-autosubmit');
  });

  test("an app of this sign-in (the portal's Sign out) still signs out in one step", async () => {
    const ana = new WebClient();
    await signIn(ana, `${server.url}/`, ANA.username, ANA.password);
    const confirm = await ana.submit('/logout');
    expect(confirm.html).toContain('data-autosubmit');
    const done = await ana.submit('/session/end/confirm', { logout: 'yes' });
    expect(done.url).toBe(`${server.url}/signed-out`);
    expect(done.html).toContain('You are signed out');
    expect((await ana.get(`${server.url}/demo-app/`)).url).toContain('/interaction/');
  });

  test('"only the portal" says the browser is still signed in, as whom, and offers to sign out everywhere in one step', async () => {
    const ana = new WebClient();
    await signIn(ana, `${server.url}/`, ANA.username, ANA.password);
    expect((await ana.get(`${server.url}/demo-app/`)).html).toContain('Welcome, Ana!');
    await ana.get(`${server.url}/`);
    const confirm = await ana.submit('/logout');
    expect(confirm.html).toContain('Sign out of Homeroom Portal only');

    const left = await ana.submit('/session/end/confirm');
    expect(left.url).toBe(`${server.url}/signed-out`);
    expect(left.html).toContain('You are still signed in');
    expect(left.html).toContain('still signed in to Homeroom as Ana García (S0100001)');
    expect(left.html).not.toContain('You are signed out');
    expect(left.html).not.toContain('hand this device');
    // What the page says is true: the app opens without a password.
    expect((await ana.get(`${server.url}/demo-app/`)).html).toContain('Welcome, Ana!');

    await ana.get(`${server.url}/signed-out`);
    const everywhere = await ana.submit('/signed-out');
    expect(everywhere.html).toContain('data-autosubmit');
    // Without JavaScript the page waits for a click, and says why: she asked for it.
    expect(everywhere.html).toContain('You will be signed out of the portal and of every app');
    expect(everywhere.html).not.toContain('asked to sign you out');
    const done = await ana.submit('/session/end/confirm', { logout: 'yes' });
    expect(done.url).toBe(`${server.url}/signed-out`);
    expect(done.html).toContain('You are signed out');
    expect(done.html).toContain('You can hand this device to someone else now.');
    expect((await ana.get(`${server.url}/demo-app/`)).url).toContain('/interaction/');
  });

  test("the provider's own signed-out page tells the truth too, and in French", async () => {
    const ana = new WebClient();
    const token = await idTokenFor(ana, apps.withSid, ANA);
    await ana.get(`${endSession(token)}&ui_locales=fr`);
    await ana.get(`${server.url}/?lang=fr`);
    await ana.get(endSession(token));
    const left = await ana.submit('/session/end/confirm');
    expect(left.url).toContain('/session/end/success');
    expect(left.html).toContain('Vous êtes toujours connecté');
    expect(left.html).toContain('Ana García (S0100001)');
    const everywhere = await ana.submit('/signed-out');
    expect(everywhere.html).toContain('data-autosubmit');
    const done = await ana.submit('/session/end/confirm', { logout: 'yes' });
    expect(done.html).toContain('Vous êtes déconnecté');
  });
});
