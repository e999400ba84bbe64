import { ENGINES, startTestServer, type TestServer } from '../helpers/server.js';
import { signIn, WebClient } from '../helpers/web-client.js';

describe.each(ENGINES)('portal sign-in through the login forms (%s)', (engine) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(engine);
  });
  afterAll(() => server.close());

  test('username, Go, password, Go lands on the portal with the demo app tile', async () => {
    const browser = new WebClient();
    const start = await browser.get(`${server.url}/`);
    expect(start.url).toMatch(/\/interaction\/[^/]+$/);
    expect(start.html).toContain('name="username"');

    const passwordStep = await browser.submit('/username', { username: ' s0100001 ' });
    // Shown as typed (trimmed): showing the stored spelling would reveal that the account exists.
    expect(passwordStep.html).toContain('<strong class="username">s0100001</strong>');
    expect(passwordStep.html).toContain('type="password"');

    const portal = await browser.submit('/password', { password: 'Lakeside-Ana-2026' });
    expect(portal.url).toBe(`${server.url}/`);
    expect(portal.status).toBe(200);
    expect(portal.html).toContain('Hello, Ana');
    expect(portal.html).toContain('Maple Learning');
    expect(portal.headers.get('cache-control')).toBe('no-store');
  });

  test('launching the demo app from the portal signs in without a second password prompt', async () => {
    const browser = new WebClient();
    await signIn(browser, `${server.url}/`, 'S0100002', 'Lakeside-Noah-2026');
    const app = await browser.get(`${server.url}/demo-app/`);
    expect(app.url).toBe(`${server.url}/demo-app/`);
    expect(app.html).toContain('Welcome, Noah!');
    expect(app.html).not.toContain('type="password"');
  });

  test('a wrong password says exactly "Authentication Failed"', async () => {
    const browser = new WebClient();
    await browser.get(`${server.url}/`);
    await browser.submit('/username', { username: 'S0100001' });
    const page = await browser.submit('/password', { password: 'wrong-password' });
    expect(page.status).toBe(401);
    expect(browser.alert()).toBe('Authentication Failed');
  });
});
