import { ENGINES, startTestServer, type TestServer } from '../helpers/server.js';
import { signIn, WebClient } from '../helpers/web-client.js';

/**
 * Finding 1, the server's side: the sessions of Homeroom's own apps (the portal, the demo app, the admin console
 * that shares the portal's) end when the person's Homeroom sign-in ends, whatever their cookies still say.
 */
describe.each(ENGINES)('sessions of the built-in apps end with the provider session (%s)', (engine) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(engine);
  }, 60_000);
  afterAll(() => server.close());

  const db = () => server.services.store.db;
  const places = ['/', '/demo-app/', '/admin/audit'];

  async function signedInEverywhere(): Promise<{ browser: WebClient; accountId: string }> {
    const browser = new WebClient();
    expect((await signIn(browser, `${server.url}/`, 'admin', 'Admin-Maple-2026')).html).toContain('Hello, Dana');
    const app = await browser.get(`${server.url}/demo-app/`);
    expect(app.html).toContain('Welcome, Dana!');
    const account = await server.services.accounts.findByUsername('admin');
    return { browser, accountId: account!.id };
  }

  async function where(browser: WebClient): Promise<string[]> {
    const urls = [];
    for (const path of places) urls.push((await browser.get(`${server.url}${path}`)).url.replace(server.url, ''));
    return urls;
  }

  const rows = (accountId: string) => db().selectFrom('rp_sessions').select(['app']).where('account_sub', '=', accountId).orderBy('app').execute();

  test("the apps' sign-in cookies end with the browser", async () => {
    const browser = new WebClient();
    await signIn(browser, `${server.url}/`, 'S0100001', 'Lakeside-Ana-2026');
    await browser.get(`${server.url}/demo-app/`);
    const signIns = browser.setCookies.filter((c) => /^hr_(session|portal|demo_app)=[^;]/.test(c));
    expect([...new Set(signIns.map((c) => c.split('=')[0]))].sort()).toEqual(['hr_demo_app', 'hr_portal', 'hr_session']);
    for (const cookie of signIns) expect(cookie).not.toMatch(/;\s*(expires|max-age)=/i);
  });

  test('when the provider session expires, the portal, the demo app and the console ask again, and the rows go', async () => {
    const { browser, accountId } = await signedInEverywhere();
    expect(await rows(accountId)).toEqual([{ app: 'demo_app' }, { app: 'portal' }]);
    expect(await where(browser)).toEqual(places);

    // session.ttl has passed for the provider session (the app sessions' own expiry has not).
    await db()
      .updateTable('oidc_payloads')
      .set({ expires_at: Date.now() - 1000 })
      .where('kind', '=', 'Session')
      .where('account_id', '=', accountId)
      .execute();
    expect(await where(browser)).toEqual(places.map(() => expect.stringMatching(/^\/interaction\/[^/?]+$/)));
    await server.services.rpSessions.purgeExpired();
    expect(await rows(accountId)).toEqual([]);
  });

  test("a browser that lost the provider session cookie (closed) is asked again, even holding the apps' cookies", async () => {
    const { browser } = await signedInEverywhere();
    browser.cookies.delete('hr_session');
    browser.cookies.delete('hr_session.sig');
    expect(await where(browser)).toEqual(places.map(() => expect.stringMatching(/^\/interaction\/[^/?]+$/)));
  });

  test("another browser holding copies of the apps' cookies but its own Homeroom sign-in gets nothing of them", async () => {
    const { browser } = await signedInEverywhere();
    const other = new WebClient();
    await signIn(other, `${server.url}/`, 'S0100002', 'Lakeside-Noah-2026');
    for (const name of ['hr_portal', 'hr_portal.sig', 'hr_demo_app', 'hr_demo_app.sig']) other.cookies.set(name, browser.cookies.get(name)!);
    expect((await other.get(`${server.url}/`)).html).toContain('Hello, Noah');
    expect((await other.get(`${server.url}/demo-app/`)).html).toContain('Welcome, Noah!');
    expect((await other.get(`${server.url}/admin/audit`)).status).toBe(403);
  });
});
