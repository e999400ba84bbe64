import { ENGINES, startTestServer, type TestServer } from '../helpers/server.js';
import { signIn, WebClient, type Page } from '../helpers/web-client.js';
import { claimInStore, questionsForm } from '../helpers/claimed.js';

const ADMIN = { username: 'admin', password: 'Admin-Maple-2026' };

/**
 * Finding 9 of the outside test, the way it was found: wrong passwords lock any account, an administrator's included,
 * and wrong answer sets lock recovery, even of an unclaimed account. The attacker's attempts stay counted; the owner
 * still gets in from a browser where they signed in before (device cookies), and administrators can see who is
 * being targeted.
 */
describe.each(ENGINES)('locking out others (%s)', (engine) => {
  let server: TestServer;
  let address = 0;
  beforeAll(async () => {
    server = await startTestServer(engine, {
      overrides: {
        server: { trustProxy: true },
        login: { perAccount: { limit: 3, window: '15m' }, perAddress: { limit: 50, window: '15m' }, perDevice: { limit: 3, window: '15m' } },
        recovery: { perAccount: { limit: 2, window: '24h' }, perAddress: { limit: 50, window: '1h' }, perDevice: { limit: 2, window: '24h' } },
      },
    });
  }, 60_000);
  afterAll(() => server.close());

  /** A browser of its own at an address of its own (an attacker's, or a device nobody signed in on). */
  const stranger = () => new WebClient({ 'x-forwarded-for': `203.0.113.${(address += 1)}` });

  async function tryPassword(browser: WebClient, username: string, password: string): Promise<Page> {
    await browser.get(`${server.url}/`);
    if (!browser.page!.url.includes('/interaction/')) throw new Error(`already signed in: ${browser.page!.url}`);
    await browser.submit('/username', { username });
    return browser.submit('/password', { password });
  }

  async function signOut(browser: WebClient) {
    await browser.get(`${server.url}/`);
    await browser.submit('/logout');
    await browser.submit('/session/end/confirm', { logout: 'yes' });
  }

  test("an attacker locks the admin account for every unknown browser, not for the admin's own", async () => {
    const home = new WebClient({ 'x-forwarded-for': '192.0.2.10' });
    expect((await signIn(home, `${server.url}/`, ADMIN.username, ADMIN.password)).html).toContain('Hello, Dana');
    const device = home.cookies.get('hr_device')!;
    expect(device).toMatch(/^[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22}$/);
    expect(device.toLowerCase()).not.toContain('admin');
    await signOut(home);

    for (let i = 0; i < 3; i += 1) expect((await tryPassword(stranger(), ADMIN.username, `guess-${i}`)).status).toBe(401);
    const locked = await tryPassword(stranger(), ADMIN.username, ADMIN.password);
    expect(locked.status).toBe(429);
    expect(locked.html).toContain('Too many attempts.');

    // The admin, on the browser where they signed in before: a typo, then the right password.
    expect((await tryPassword(home, ADMIN.username, 'fat-fingered')).status).toBe(401);
    expect((await tryPassword(home, ADMIN.username, ADMIN.password)).html).toContain('Hello, Dana');
    // The attacker's attempts are still counted: any other browser is still refused.
    expect((await tryPassword(stranger(), ADMIN.username, ADMIN.password)).status).toBe(429);

    // Administrators can see who is being targeted, and from where.
    const targeted = (await server.services.lockouts.targeted()).find((t) => t.flow === 'login' && t.username === 'admin')!;
    expect(targeted).toMatchObject({ account: { username: 'admin', roles: expect.arrayContaining(['admin']) }, locked: true });
    expect(targeted.failures).toBeGreaterThanOrEqual(5);
    expect(targeted.addresses.map((a) => a.ip)).not.toContain('192.0.2.10');
    expect(targeted.addresses.every((a) => a.ip!.startsWith('203.0.113.') && a.attempts >= 1)).toBe(true);
    expect((await server.services.audit.recent({ type: 'login.succeeded', limit: 1 }))[0].data).toEqual({ device: 'trusted' });
    await signOut(home);
  });

  test('a trusted browser that fails too often itself loses its trust', async () => {
    const noah = { username: 'S0100002', password: 'Lakeside-Noah-2026' };
    const shared = new WebClient({ 'x-forwarded-for': '192.0.2.20' });
    expect((await signIn(shared, `${server.url}/`, noah.username, noah.password)).html).toContain('Hello, Noah');
    await signOut(shared);
    for (let i = 0; i < 3; i += 1) expect((await tryPassword(stranger(), noah.username, `guess-${i}`)).status).toBe(401);
    // Three wrong passwords from the trusted browser too (a sibling guessing): its trust is gone for this window.
    for (let i = 0; i < 3; i += 1) expect((await tryPassword(shared, noah.username, `sibling-${i}`)).status).toBe(401);
    expect((await tryPassword(shared, noah.username, noah.password)).status).toBe(429);
  });

  test('the device cookie outlives the browser session but is no sign-in, and is kept per account', async () => {
    const browser = new WebClient({ 'x-forwarded-for': '192.0.2.30' });
    await signIn(browser, `${server.url}/`, 'S0100001', 'Lakeside-Ana-2026');
    const set = browser.setCookies.find((c) => c.startsWith('hr_device='))!;
    const expires = Date.parse(/;\s*expires=([^;]+)/i.exec(set)![1]);
    expect(Math.abs(expires - (Date.now() + 90 * 86_400_000))).toBeLessThan(120_000);
    expect(set).toMatch(/;\s*httponly/i);
    expect(set).toMatch(/;\s*samesite=lax/i);
    // Someone else signing in on the same browser gets an entry of their own; hers stays.
    await signOut(browser);
    expect((await signIn(browser, `${server.url}/`, 'mrivera', 'Teach-Lakeside-2026')).html).toContain('Hello, María');
    const entries = browser.cookies.get('hr_device')!.split('~');
    expect(entries).toHaveLength(2);
    expect(entries[1]).toBe(set.slice('hr_device='.length).split(';')[0]);
    // Alone (no Homeroom session), it opens nothing.
    const only = new WebClient();
    only.cookies.set('hr_device', browser.cookies.get('hr_device')!);
    expect((await only.get(`${server.url}/`)).url).toContain('/interaction/');
  });

  async function claimedStudent(n: number) {
    const account = await server.services.accounts.create({
      username: `S0${330000 + n}`,
      givenName: 'Kim',
      familyName: `Lockout${n}`,
      studentId: `${330000 + n}`,
      roles: ['student'],
    });
    await claimInStore(server.services, account, 'Original-Phrase-77');
    return account;
  }

  async function answerSet(browser: WebClient, username: string, answers: string[]): Promise<Page> {
    await browser.get(`${server.url}/recover`);
    await browser.submit('/username', { username });
    return browser.submit('/answers', { answer1: answers[0], answer2: answers[1], answer3: answers[2] });
  }

  test('recovery locked by an attacker still opens for its owner on their own browser', async () => {
    const kim = await claimedStudent(1);
    const own = new WebClient({ 'x-forwarded-for': '192.0.2.40' });
    await signIn(own, `${server.url}/`, kim.username, 'Original-Phrase-77');
    await signOut(own);
    for (let i = 0; i < 2; i += 1) expect((await answerSet(stranger(), kim.username, ['a', 'b', 'c'])).status).toBe(400);
    const locked = await answerSet(stranger(), kim.username, ['fluffy', 'poutine', 'montreal']);
    expect(locked.status).toBe(429);
    expect(locked.html).toContain('teacher');

    // Kim forgot her password, but this browser is hers.
    const passwordStep = await answerSet(own, kim.username, ['fluffy', 'poutine', 'montreal']);
    expect(passwordStep.html).toContain('Create a new password');
    // And for everyone else, recovery stays locked.
    expect((await answerSet(stranger(), kim.username, ['fluffy', 'poutine', 'montreal'])).status).toBe(429);
  });

  test('an unclaimed account has nothing to lock: its lock answers the attacker alike, and claiming ends it', async () => {
    const lea = await server.services.accounts.create({ username: 'S0340001', givenName: 'Léa', familyName: 'Unclaimed', studentId: '340001', roles: ['student'] });
    for (let i = 0; i < 3; i += 1) await answerSet(stranger(), lea.username, ['a', 'b', 'c']);
    expect((await answerSet(stranger(), lea.username, ['a', 'b', 'c'])).status).toBe(429);
    for (let i = 0; i < 4; i += 1) await tryPassword(stranger(), lea.username, `guess-${i}`);
    expect((await tryPassword(stranger(), lea.username, 'anything')).status).toBe(429);
    const report = await server.services.lockouts.targeted();
    expect(report.filter((t) => t.username === 's0340001').map((t) => [t.flow, t.locked, t.account?.claimed])).toEqual(
      expect.arrayContaining([
        ['login', true, false],
        ['recovery', true, false],
      ]),
    );

    // The family claims it (from a browser of its own): it starts with no lock, anywhere.
    const family = new WebClient({ 'x-forwarded-for': '192.0.2.50' });
    await family.get(`${server.url}/claim`);
    await family.submit('/identify', { familyName: 'Unclaimed', givenName: 'Léa', studentId: '340001' });
    await family.submit('/password', { password: 'Fresh-Claim-Phrase-5', confirm: 'Fresh-Claim-Phrase-5' });
    const done = await family.submit('/questions', questionsForm());
    expect(done.html).toContain('The account is ready');
    expect((await tryPassword(stranger(), lea.username, 'Fresh-Claim-Phrase-5')).html).toContain('Hello, Léa');
    expect((await answerSet(stranger(), lea.username, ['fluffy', 'poutine', 'montreal'])).html).toContain('Create a new password');
    expect((await server.services.lockouts.targeted()).filter((t) => t.username === 's0340001')).toEqual([]);
  });
});
