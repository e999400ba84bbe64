import { jest } from '@jest/globals';
import { ENGINES, startTestServer, type TestServer } from '../helpers/server.js';
import { WebClient } from '../helpers/web-client.js';

/** Every failure looks the same from outside: one message, one status, one password verification's worth of work. */
describe.each(ENGINES)('login failures (%s)', (engine) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(engine);
    const hash = await server.services.hasher.hash('Withdrawn-2026!');
    const withdrawn = await server.services.accounts.create({ username: 'S0999999', givenName: 'Gone', familyName: 'Away', roles: ['student'], passwordHash: hash });
    await server.services.store.db.updateTable('accounts').set({ status: 'disabled' }).where('id', '=', withdrawn.id).execute();
  });
  afterAll(() => server.close());

  async function attempt(username: string, password: string, lang?: string) {
    const browser = new WebClient();
    await browser.get(`${server.url}/${lang ? `?lang=${lang}` : ''}`);
    await browser.submit('/username', { username });
    const verify = jest.spyOn(server.services.hasher, 'verify');
    const page = await browser.submit('/password', { password });
    const verifications = verify.mock.calls.length;
    verify.mockRestore();
    const uid = /\/interaction\/([^/]+)\/password/.exec(page.html)?.[1] ?? '';
    const normalised = page.html
      .replaceAll(uid, 'UID')
      .replace(/name="_csrf" value="[^"]*"/g, 'name="_csrf" value="CSRF"')
      .replaceAll(username, 'USERNAME');
    return { page, alert: browser.alert(), verifications, normalised };
  }

  const cases: [string, string, string][] = [
    ['unknown user', 'S0123456', 'Whatever-123'],
    ['wrong password', 'S0100001', 'Lakeside-Ana-2025'],
    ['password with the wrong case', 'S0100001', 'lakeside-ana-2026'],
    ['account not yet claimed', 'S0100003', 'Anything-1234'],
    ['disabled (withdrawn) account with its right password', 'S0999999', 'Withdrawn-2026!'],
  ];

  test.each(cases)('%s → 401 "Authentication Failed" after exactly one password verification', async (_label, username, password) => {
    const result = await attempt(username, password);
    expect(result.page.status).toBe(401);
    expect(result.alert).toBe('Authentication Failed');
    expect(result.verifications).toBe(1);
    expect(result.page.url).toContain('/interaction/');
  });

  test('every failure renders the same page, apart from the username typed', async () => {
    const pages = await Promise.all(cases.map(([, username, password]) => attempt(username, password)));
    for (const other of pages.slice(1)) expect(other.normalised).toBe(pages[0].normalised);
  });

  test('the message is translated', async () => {
    const result = await attempt('S0100001', 'nope-nope-nope', 'fr');
    expect(result.page.status).toBe(401);
    expect(result.alert).toBe("L'authentification a échoué");
  });

  test('usernames are trimmed and case-insensitive; passwords are case-sensitive', async () => {
    const browser = new WebClient();
    await browser.get(`${server.url}/`);
    await browser.submit('/username', { username: '  s0100001\t' });
    const portal = await browser.submit('/password', { password: 'Lakeside-Ana-2026' });
    expect(portal.html).toContain('Hello, Ana');
  });

  test('an empty username stays on the username step with a clear message', async () => {
    const browser = new WebClient();
    await browser.get(`${server.url}/`);
    const page = await browser.submit('/username', { username: '   ' });
    expect(page.status).toBe(400);
    expect(browser.alert()).toBe('Enter your username.');
    expect(page.html).toContain('name="username"');
  });

  test('"Not you?" goes back to the username step', async () => {
    const browser = new WebClient();
    await browser.get(`${server.url}/`);
    await browser.submit('/username', { username: 'S0100001' });
    const page = await browser.submit('/restart');
    expect(page.html).toContain('name="username"');
    expect(page.html).not.toContain('type="password"');
  });

  test('reloading the password step keeps the username (the step lives on the server)', async () => {
    const browser = new WebClient();
    await browser.get(`${server.url}/`);
    const step = await browser.submit('/username', { username: 'S0100002' });
    const reloaded = await browser.get(step.url);
    expect(reloaded.html).toContain('<strong class="username">S0100002</strong>');
  });

  test('a failed and a successful login are audited, without the password', async () => {
    await attempt('S0100002', 'Secret-Wrong-99');
    const failed = await server.services.audit.recent({ type: 'login.failed', limit: 5 });
    expect(failed.length).toBeGreaterThan(0);
    expect(JSON.stringify(failed)).not.toContain('Secret-Wrong-99');
    const account = await server.services.accounts.findByUsername('S0100002');
    expect(failed.some((e) => e.subjectId === account!.id && e.data.reason === 'bad_password')).toBe(true);

    const browser = new WebClient();
    await browser.get(`${server.url}/`);
    await browser.submit('/username', { username: 'S0100002' });
    await browser.submit('/password', { password: 'Lakeside-Noah-2026' });
    const succeeded = await server.services.audit.recent({ type: 'login.succeeded', subjectId: account!.id });
    expect(succeeded).toHaveLength(1);
    expect(JSON.stringify(succeeded)).not.toContain('Lakeside-Noah-2026');
  });
});
