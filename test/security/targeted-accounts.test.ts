import { ENGINES, startTestServer, type TestServer } from '../helpers/server.js';
import { WebClient, type Page } from '../helpers/web-client.js';
import { ADMIN, echoed, signedIn, submitForm, TEACHER } from '../admin/helpers.js';
import { throttleRules } from '../../src/throttle/rules.js';

/**
 * Finding 9, the rest: administrators see who is being targeted (accounts under failed attempts from browsers that
 * never signed in to them), the per-browser limits are edited where the other throttling limits are, and counters
 * whose window has ended are purged.
 */
describe.each(ENGINES)('targeted accounts (%s)', (engine) => {
  let server: TestServer;
  let admin: WebClient;
  let address = 0;
  beforeAll(async () => {
    server = await startTestServer(engine, {
      overrides: { server: { trustProxy: true }, district: { timeZone: 'UTC' }, login: { perAccount: { limit: 3, window: '15m' }, perAddress: { limit: 50, window: '15m' } } },
    });
    admin = await signedIn(server, ADMIN);
  }, 60_000);
  afterAll(() => server.close());

  const stranger = () => new WebClient({ 'x-forwarded-for': `203.0.113.${(address += 1)}` });

  async function tryPassword(browser: WebClient, username: string, password: string): Promise<Page> {
    await browser.get(`${server.url}/`);
    await browser.submit('/username', { username });
    return browser.submit('/password', { password });
  }

  const text = (html: string) =>
    html
      .replace(/<[^>]+>/g, ' ')
      .replace(/&#39;/g, "'")
      .replace(/\s+/g, ' ');
  /** The table row of one username, as text. */
  const rowOf = (html: string, username: string) =>
    text(/<tr[^>]*>\s*<th scope="row"><code>([^<]*)<\/code>[\s\S]*?<\/tr>/g.exec(html.slice(html.indexOf(`<code>${username}</code>`) - 60)!)?.[0] ?? '');

  test('the console lists the targeted accounts, locked ones first, with where the attempts came from', async () => {
    let page = await admin.get(`${server.url}/admin/lockouts`);
    expect(page.status).toBe(200);
    expect(page.html).toContain('No account is under failed attempts right now.');

    for (let i = 0; i < 4; i += 1) await tryPassword(stranger(), TEACHER.username, `guess-${i}`);
    const attacker = stranger();
    await tryPassword(attacker, 'nobody-here', 'x');
    await tryPassword(attacker, 'nobody-here', 'y');

    // Reached from the console's home and navigation.
    page = await admin.get(`${server.url}/admin`);
    expect(page.html).toContain('href="/admin/lockouts"');
    page = await admin.get(`${server.url}/admin/lockouts`);
    expect(page.status).toBe(200);
    const teacher = rowOf(page.html, 'mrivera');
    expect(teacher).toContain('María');
    expect(teacher).toContain('(teacher)');
    expect(teacher).toMatch(/Sign-in 4 of 3 Locked for unknown browsers until \d{4}-\d\d-\d\d \d\d:\d\d:\d\d/);
    for (let i = 1; i <= 4; i += 1) expect(teacher).toContain(`203.0.113.${i}: 1`);
    const nobody = rowOf(page.html, 'nobody-here');
    expect(nobody).toContain('No such account (someone is trying usernames)');
    expect(nobody).toMatch(/Sign-in 2 of 3 Counting until/);
    expect(nobody).toContain(`203.0.113.5: 2`);
    expect(page.html.indexOf('<code>mrivera</code>')).toBeLessThan(page.html.indexOf('<code>nobody-here</code>'));

    // In French too; and for administrators only.
    page = await admin.get(`${server.url}/admin/lockouts?lang=fr`);
    expect(text(page.html)).toContain('Verrouillé pour les navigateurs inconnus jusqu’à');
    await admin.get(`${server.url}/admin?lang=en`);
    const teacherBrowser = await signedIn(server, { username: 'S0100001', password: 'Lakeside-Ana-2026' });
    expect((await teacherBrowser.get(`${server.url}/admin/lockouts`)).status).toBe(403);
  });

  test('the per-browser limits are edited with the other throttling limits, applied at once and audited', async () => {
    let page = await admin.get(`${server.url}/admin/policies`);
    expect(echoed(page.html, 'loginDeviceLimit')).toBe('10');
    expect(echoed(page.html, 'loginDeviceWindow')).toBe('15');
    expect(echoed(page.html, 'recoveryDeviceLimit')).toBe('5');
    expect(echoed(page.html, 'recoveryDeviceWindow')).toBe('1440');
    expect(page.html).toContain('Failed sign-ins per browser where the account signed in before');
    page = await submitForm(admin, '/admin/policies', { loginDeviceLimit: '0', recoveryDeviceWindow: 'soon' });
    expect(page.status).toBe(400);
    expect(server.services.config.login.perDevice).toEqual({ limit: 10, window: 900 });
    page = await submitForm(admin, '/admin/policies', { loginDeviceLimit: '4', loginDeviceWindow: '20', recoveryDeviceLimit: '3', recoveryDeviceWindow: '60' });
    expect(page.url).toContain('/admin/policies?done=saved');
    expect(server.services.config.login.perDevice).toEqual({ limit: 4, window: 1200 });
    expect(server.services.config.recovery.perDevice).toEqual({ limit: 3, window: 3600 });
    expect(server.services.policies.current()).toMatchObject({ login: { perDevice: { limit: 4, window: 1200 } }, recovery: { perDevice: { limit: 3, window: 3600 } } });
    const events = await server.services.audit.recent({ type: 'policy.changed', limit: 2 });
    expect(events.map((e) => e.data).sort((a, b) => String(a.key).localeCompare(String(b.key)))).toEqual([
      { key: 'login.perDevice', before: { limit: 10, window: 900 }, after: { limit: 4, window: 1200 } },
      { key: 'recovery.perDevice', before: { limit: 5, window: 86400 }, after: { limit: 3, window: 3600 } },
    ]);
  });

  test('counters whose window ended are purged, a bounded number per run; open windows are kept', async () => {
    const { throttle, config } = server.services;
    const rules = throttleRules(config);
    const longest = Math.max(...rules.map((r) => r.window)) * 1000;
    const now = Date.now();
    for (let i = 0; i < 5; i += 1) await throttle.attempt(`login:address:198.51.100.${i}`, { limit: 10, window: 60 }, now - longest - 60_000 - i);
    await throttle.attempt('login:address:198.51.100.200', { limit: 10, window: 60 }, now - longest + 60_000);
    const left = async () => (await server.services.store.db.selectFrom('throttle_counters').select('key').where('key', 'like', 'login:address:198.51.100.%').execute()).length;
    expect(await left()).toBe(6);
    expect(await throttle.purgeExpired(rules, now, 3)).toBe(3);
    expect(await left()).toBe(3);
    expect(await throttle.purgeExpired(rules, now, 3)).toBeGreaterThanOrEqual(2);
    expect(await left()).toBe(1);
    // The open window (and the targeted accounts' counters from the first test) are still there.
    expect((await server.services.lockouts.targeted()).map((t) => t.username)).toEqual(expect.arrayContaining(['mrivera', 'nobody-here']));
  });

  test('two processes on one database purge at the same time without error, each counter once', async () => {
    const other = await startTestServer(engine, { database: server.database, overrides: { server: { trustProxy: true } } });
    try {
      const now = Date.now();
      const old = now - 40 * 86_400_000;
      for (let i = 0; i < 12; i += 1) await server.services.throttle.attempt(`claim:address:198.51.100.${i}`, { limit: 10, window: 60 }, old - i);
      await server.services.throttle.attempt('claim:address:198.51.100.99', { limit: 10, window: 60 }, now);
      let deleted = 0;
      for (let round = 0; round < 6; round += 1) {
        const counts = await Promise.all([server, other].map((s) => s.services.throttle.purgeExpired(throttleRules(s.services.config), now, 4)));
        deleted += counts[0] + counts[1];
      }
      expect(deleted).toBe(12);
      const left = await server.services.store.db.selectFrom('throttle_counters').select('key').where('key', 'like', 'claim:address:198.51.100.%').execute();
      expect(left.map((r) => r.key)).toEqual(['claim:address:198.51.100.99']);
    } finally {
      await other.close();
    }
  }, 120_000);
});
