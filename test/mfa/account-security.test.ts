import { ENGINES, startTestServer, type TestServer } from '../helpers/server.js';
import { signIn, WebClient } from '../helpers/web-client.js';
import { appCode, codesFromPage, secretFromPage } from './totp-code.js';

/** Staff manage their own second factors at /account/security; students have no such page. */
describe.each(ENGINES)('/account/security (%s)', (engine) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(engine, { overrides: { mfa: { requiredRoles: ['admin'] } } });
  });
  afterAll(() => server.close());

  /** Signs in with the password and, when asked, a code of the app with `secret`. */
  async function signInWithCode(username: string, password: string, secret: string | null, startPath = '/account/security') {
    const browser = new WebClient();
    let page = await signIn(browser, `${server.url}${startPath}`, username, password);
    if (secret && page.html.includes('Enter your code')) page = await browser.submit('/second-factor', { code: appCode(secret, Date.now(), 1) });
    return { browser, page };
  }

  test('a teacher adds an app (QR code, address, secret), saves recovery codes, renames and removes it; the sign-in follows', async () => {
    const { browser, page } = await signInWithCode('mrivera', 'Teach-Lakeside-2026', null);
    expect(page.html).toContain('You have no second factor yet.');

    const scan = await browser.submit('/account/security/app');
    expect(scan.url).toMatch(/\/account\/security\/app\/[0-9a-f-]{36}$/);
    const secret = secretFromPage(scan.html);
    expect(scan.html).toMatch(/autocomplete="one-time-code" inputmode="numeric"/);
    // Reload lands on the same secret: the setup is a record, not a page state.
    expect(secretFromPage((await browser.get(scan.url)).html)).toBe(secret);

    const codesPage = await browser.submit('/account/security/app/', { code: appCode(secret), name: 'Work phone' });
    expect(codesFromPage(codesPage.html)).toHaveLength(10);
    const listed = await browser.submit('/account/security/codes/');
    expect(listed.url).toContain('/account/security?done=codes');
    expect(listed.html).toContain('Work phone');
    expect(listed.html).toContain('You have 10 unused recovery codes.');
    // The codes were shown once: the setup record is gone.
    expect((await browser.get(codesPage.url)).status).toBe(404);

    await browser.get(`${server.url}/account/security`);
    const renamed = await browser.submit('/rename', { name: 'Pixel' });
    expect(renamed.html).toContain('Pixel');

    const next = await signInWithCode('mrivera', 'Teach-Lakeside-2026', secret, '/');
    expect(next.page.html).toContain('Hello, María');
    expect(next.page.html).toContain('href="/account/security"');

    const removed = await next.browser.get(`${server.url}/account/security`).then(() => next.browser.submit('/remove'));
    expect(removed.html).toContain('The second factor was removed.');
    const types = (await server.services.audit.recent({})).map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['mfa.enrolled', 'mfa.recovery_codes_issued', 'mfa.renamed', 'mfa.used', 'mfa.removed']));

    const passwordOnly = await signInWithCode('mrivera', 'Teach-Lakeside-2026', null, '/');
    expect(passwordOnly.page.html).toContain('Hello, María');
  });

  test('an admin, whose role requires a factor, cannot remove the last one', async () => {
    const browser = new WebClient();
    const setup = await signIn(browser, `${server.url}/account/security`, 'admin', 'Admin-Maple-2026');
    await browser.submit('/enrol', { code: appCode(secretFromPage(setup.html)) });
    const page = await browser.submit('/recovery-codes');
    expect(page.url).toBe(`${server.url}/account/security`);
    const refused = await browser.submit('/remove');
    expect(refused.status).toBe(409);
    expect(refused.html).toContain('you cannot remove the last one');
  });

  test('students have no security page', async () => {
    const { page } = await signInWithCode('S0100001', 'Lakeside-Ana-2026', null);
    expect(page.status).toBe(403);
  });

  test("the help desk resets a staff member's factors under a ticket, audited, without seeing a secret", async () => {
    const owner = await signInWithCode('mrivera', 'Teach-Lakeside-2026', null);
    const scan = await owner.browser.submit('/account/security/app');
    const secret = secretFromPage(scan.html);
    await owner.browser.submit('/account/security/app/', { code: appCode(secret), name: 'Lost phone' });
    await owner.browser.submit('/account/security/codes/');

    const desk = new WebClient();
    await signIn(desk, `${server.url}/helpdesk/second-factors?username=MRivera`, 'helpdesk', 'Helpdesk-Maple-2026');
    expect(desk.page!.html).toContain('Lost phone');
    expect(desk.page!.html).not.toContain(secret.slice(0, 8));

    const empty = await desk.submit('/helpdesk/second-factors/reset', { ticket: '  ' });
    expect(empty.status).toBe(400);
    expect(desk.alert()).toContain('Enter the ticket reference');

    const done = await desk.submit('/helpdesk/second-factors/reset', { ticket: 'HD-4512, called back on the directory number' });
    expect(done.html).toContain('Their second factors were removed.');
    const [event] = await server.services.audit.recent({ type: 'mfa.reset' });
    expect(event.data).toMatchObject({ ticket: 'HD-4512, called back on the directory number', factors: 1 });
    expect((await server.services.accounts.findByUsername('mrivera'))!.secondFactor).toBe(false);

    // Not an administrator's factors, nor one's own.
    await desk.get(`${server.url}/helpdesk/second-factors?username=admin`);
    expect((await desk.submit('/helpdesk/second-factors/reset', { ticket: 'HD-1' })).status).toBe(403);
    const deskAccount = (await server.services.accounts.findByUsername('helpdesk'))!;
    await expect(server.services.secondFactors.reset(deskAccount, deskAccount, 'HD-2', null)).rejects.toMatchObject({ status: 403, code: 'OWN_FACTORS' });
  });
});
