import { ENGINES, startTestServer, type TestServer } from '../helpers/server.js';
import { signIn, WebClient } from '../helpers/web-client.js';

/** Young students' QR badges: the typed code (or the scanned address) signs in like a password, and fails like one. */
describe.each(ENGINES)('badge sign-in (%s)', (engine) => {
  let server: TestServer;
  let leaId: string;
  let malikId: string;
  beforeAll(async () => {
    server = await startTestServer(engine, {
      overrides: {
        server: { trustProxy: true },
        signIn: { badgeGrades: ['04'] },
        login: { perAccount: { limit: 3, window: '15m' }, perAddress: { limit: 6, window: '15m' } },
      },
    });
    leaId = (await server.services.accounts.findByUsername('S0100003'))!.id;
    malikId = (await server.services.accounts.findByUsername('S0100004'))!.id;
  });
  afterAll(() => server.close());

  async function badgeOf(accountId: string) {
    const printed = await server.services.badges.forPrinting([{ accountId, grade: '04' }], { id: null });
    return printed.get(accountId)!;
  }

  async function withBadge(code: string, address: string) {
    const browser = new WebClient({ 'x-forwarded-for': address });
    const first = await browser.get(`${server.url}/`);
    expect(first.html).toContain('Sign in with my badge');
    const link = /href="(\/interaction\/[^"]+\/badge)"/.exec(first.html)![1];
    const badgePage = await browser.get(`${server.url}${link}`);
    expect(badgePage.html).toContain('<label for="badge-code">Badge code</label>');
    expect(badgePage.headers.get('permissions-policy')).toContain('camera=(self)');
    const page = await browser.submit('/badge', { code });
    return { page, browser };
  }

  test('the code typed from the card (any case, spaces or dashes) signs the student in to the portal, audited as a badge sign-in', async () => {
    const badge = await badgeOf(leaId);
    expect(badge.code).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){6}$/);
    expect(badge.url).toBe(`${server.url}/badge#${badge.code.replace(/-/g, '')}`);
    const typed = badge.code.toLowerCase().replace(/-/g, ' ');
    const { page } = await withBadge(typed, '10.4.0.1');
    expect(page.status).toBe(200);
    expect(page.html).toContain('Hello, Léa');
    const [event] = await server.services.audit.recent({ type: 'login.succeeded', subjectId: leaId });
    expect(event.data).toMatchObject({ method: 'badge' });
    const issued = await server.services.audit.recent({ type: 'badge.issued', subjectId: leaId });
    expect(issued).toHaveLength(1);
    // Printing again prints the same badge: the card in the student's pocket keeps working.
    expect((await badgeOf(leaId)).code).toBe(badge.code);
  });

  test('the scanned address works as the code; a wrong code, a student of another grade or a voided badge: "Authentication Failed"', async () => {
    const badge = await badgeOf(malikId);
    expect((await withBadge(badge.url, '10.4.0.2')).page.html).toContain('Hello, Malik');

    const wrong = await withBadge(
      badge.code.replace(/^./, (c) => (c === '0' ? '1' : '0')),
      '10.4.0.3',
    );
    expect(wrong.page.status).toBe(401);
    expect(wrong.browser.alert()).toBe('Authentication Failed');

    await server.services.policies.save({ 'signIn.badgeGrades': ['KG'] }, { id: leaId, ip: null });
    try {
      const browser = new WebClient({ 'x-forwarded-for': '10.4.0.4' });
      await browser.get(`${server.url}/`);
      const page = await browser.request(browser.form('/username').action.replace('/username', '/badge'));
      expect(page.status).toBe(200);
      const refused = await browser.submit('/badge', { code: badge.code });
      expect(refused.status).toBe(401);
      expect(browser.alert()).toBe('Authentication Failed');
    } finally {
      await server.services.policies.save({ 'signIn.badgeGrades': ['04'] }, { id: leaId, ip: null });
    }

    expect(await server.services.badges.void(malikId, { id: null })).toBe(true);
    const voided = await withBadge(badge.code, '10.4.0.5');
    expect(voided.page.status).toBe(401);
    expect(voided.browser.alert()).toBe('Authentication Failed');
    const failures = await server.services.audit.recent({ type: 'login.failed', subjectId: malikId });
    expect(failures.map((e) => e.data.reason)).toEqual(['voided', 'not_badge_grade']);
    // The voided badge is not printed again: the next sheet has a new one.
    expect((await badgeOf(malikId)).code).not.toBe(badge.code);
  });

  test('a regenerated badge replaces the old one at once', async () => {
    const old = await badgeOf(leaId);
    await server.services.badges.regenerate(leaId, { id: null });
    const fresh = await badgeOf(leaId);
    expect(fresh.code).not.toBe(old.code);
    expect((await withBadge(old.code, '10.4.0.6')).page.status).toBe(401);
    expect((await withBadge(fresh.code, '10.4.0.7')).page.html).toContain('Hello, Léa');
    expect(await server.services.audit.recent({ type: 'badge.regenerated', subjectId: leaId })).toHaveLength(1);
  });

  test("failures count against the badge's account as a password's do: locked, even for the right badge, and the teacher sees it", async () => {
    const lost = await badgeOf(malikId);
    await server.services.badges.regenerate(malikId, { id: null });
    const current = await badgeOf(malikId);
    await server.services.store.db.deleteFrom('throttle_counters').where('key', '=', 'login:account:s0100004').execute();
    for (let i = 0; i < 3; i += 1) expect((await withBadge(lost.code, `10.5.0.${i + 1}`)).page.status).toBe(401);
    const locked = await withBadge(current.code, '10.5.0.9');
    expect(locked.page.status).toBe(429);
    expect(locked.page.html).toContain('Too many attempts');
    expect(locked.page.html).not.toContain('Hello, Malik');

    const teacher = new WebClient();
    await signIn(teacher, `${server.url}/staff`, 'mrivera', 'Teach-Lakeside-2026');
    const staff = await teacher.get(`${server.url}/staff`);
    const row = staff.html.split('<tr>').find((r) => r.includes('S0100004'))!;
    expect(row).toContain('Sign-in locked');

    // A child who signs in only with a badge gets back in with a new card: replacing it ends the lock, audited.
    await teacher.submit(`/staff/students/${malikId}/badge`, { action: 'regenerate' });
    const replaced = await badgeOf(malikId);
    expect(replaced.code).not.toBe(current.code);
    expect((await withBadge(replaced.code, '10.5.0.10')).page.html).toContain('Hello, Malik');
    const [event] = await server.services.audit.recent({ type: 'badge.regenerated', subjectId: malikId });
    expect(event.actorId).not.toBeNull();
  });

  test('per address: guessed codes from one address are refused there, as guessed passwords are', async () => {
    for (let i = 0; i < 6; i += 1) expect((await withBadge(`ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZ${10 + i}`, '10.6.0.1')).page.status).toBe(401);
    const blocked = await withBadge((await badgeOf(leaId)).code, '10.6.0.1');
    expect(blocked.page.status).toBe(429);
    expect((await withBadge((await badgeOf(leaId)).code, '10.6.0.2')).page.html).toContain('Hello, Léa');
  });

  test("the badge's address (a phone's camera app) starts a sign-in that opens the badge page", async () => {
    const browser = new WebClient();
    const page = await browser.get(`${server.url}/badge`);
    expect(page.url).toMatch(/\/interaction\/[^/]+\/badge$/);
    expect(page.html).toContain('Badge code');
  });

  test('an app that asks for a second factor gets unmet_authentication_requirements from a badge sign-in', async () => {
    const callback = 'https://quiz.example/callback';
    const { client } = await server.services.clients.register({ name: 'Quiz', redirectUris: [callback], firstParty: true });
    const browser = new WebClient();
    browser.stopAt = callback;
    const query = new URLSearchParams({
      client_id: client.clientId,
      redirect_uri: callback,
      response_type: 'code',
      scope: 'openid',
      state: 's',
      acr_values: 'https://refeds.org/profile/mfa',
    });
    const start = await browser.get(`${server.url}/auth?${query}`);
    await browser.get(`${server.url}${/href="(\/interaction\/[^"]+\/badge)"/.exec(start.html)![1]}`);
    const page = await browser.submit('/badge', { code: (await badgeOf(leaId)).code });
    expect(page.url.startsWith(callback)).toBe(true);
    expect(new URL(page.url).searchParams.get('error')).toBe('unmet_authentication_requirements');
  });

  test('on a shared device, the badge address asks for the badge even while another student is signed in', async () => {
    const browser = new WebClient();
    expect((await signIn(browser, `${server.url}/`, 'S0100001', 'Lakeside-Ana-2026')).html).toContain('Hello, Ana');
    const page = await browser.get(`${server.url}/badge`);
    expect(page.url).toMatch(/\/interaction\/[^/]+\/badge$/);
    const lea = await browser.submit('/badge', { code: (await badgeOf(leaId)).code });
    expect(lea.html).toContain('Hello, Léa');
    expect(lea.html).not.toContain('Hello, Ana');
  });
});
