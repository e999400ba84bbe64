import { startProcessServer, type ProcessServer } from '../helpers/process-server.js';
import { signIn, WebClient } from '../helpers/web-client.js';

/**
 * On a shared family device, signing out anywhere must end every app's session, so the next child never lands in
 * the previous one's. Run against a real `homeroom start` process, where outgoing calls are checked as in production.
 */
describe('sign-out on a shared device (homeroom start process)', () => {
  let server: ProcessServer;
  beforeAll(async () => {
    server = await startProcessServer();
  }, 60_000);
  afterAll(() => server.stop());

  async function signOut(browser: WebClient, formAction: string) {
    await browser.submit(formAction);
    expect(browser.page!.html).toContain('data-autosubmit');
    await browser.submit('/session/end/confirm', { logout: 'yes' });
  }

  test('signing out of the portal also ends the app session; the sibling then sees only their own', async () => {
    const browser = new WebClient();
    expect((await signIn(browser, `${server.url}/`, 'S0100001', 'Lakeside-Ana-2026')).html).toContain('Hello, Ana');
    expect((await browser.get(`${server.url}/demo-app/`)).html).toContain('Welcome, Ana!');
    await browser.get(`${server.url}/`);
    await signOut(browser, '/logout');
    expect(browser.page!.url).toBe(`${server.url}/signed-out`);
    expect(browser.page!.html).toContain('You are signed out');

    const app = await browser.get(`${server.url}/demo-app/`);
    expect(app.html).not.toContain('Ana');
    expect(app.url).toContain('/interaction/');

    await browser.submit('/username', { username: 'S0100002' });
    const noah = await browser.submit('/password', { password: 'Lakeside-Noah-2026' });
    expect(noah.html).toContain('Welcome, Noah!');
    expect((await browser.get(`${server.url}/`)).html).toContain('Hello, Noah');
  });

  test('signing out of an app also ends the portal session', async () => {
    const browser = new WebClient();
    await signIn(browser, `${server.url}/`, 'S0100001', 'Lakeside-Ana-2026');
    await browser.get(`${server.url}/demo-app/`);
    await signOut(browser, '/demo-app/logout');
    const portal = await browser.get(`${server.url}/`);
    expect(portal.html).not.toContain('Hello, Ana');
    expect(portal.url).toContain('/interaction/');
    expect(server.output()).not.toContain('back-channel logout failed');
  });
});
