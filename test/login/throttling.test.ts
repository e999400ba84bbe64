import { ENGINES, startTestServer, type TestServer } from '../helpers/server.js';
import { WebClient } from '../helpers/web-client.js';

/** Failed logins are counted per account and per client address; past a limit the person waits, never forever. */
describe.each(ENGINES)('login throttling (%s)', (engine) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(engine, {
      overrides: {
        server: { trustProxy: true },
        login: { perAccount: { limit: 3, window: '15m' }, perAddress: { limit: 6, window: '15m' } },
      },
    });
  });
  afterAll(() => server.close());

  async function attempt(username: string, password: string, address: string, lang?: string) {
    const browser = new WebClient({ 'x-forwarded-for': address });
    await browser.get(`${server.url}/${lang ? `?lang=${lang}` : ''}`);
    await browser.submit('/username', { username });
    const page = await browser.submit('/password', { password });
    return { page, browser };
  }

  test('per account: after 3 failures even the right password gets 429, from any address, and says when to retry', async () => {
    for (let i = 0; i < 3; i += 1) {
      const { page } = await attempt('S0100001', `wrong-${i}-password`, `10.1.0.${i + 1}`);
      expect(page.status).toBe(401);
    }
    const { page } = await attempt('S0100001', 'Lakeside-Ana-2026', '10.1.0.99');
    expect(page.status).toBe(429);
    expect(page.html).toContain('Too many attempts. Please try again in 15 minutes.');
    expect(Number(page.headers.get('retry-after'))).toBeGreaterThan(800);
    expect(page.html).not.toContain('Hello, Ana');

    // Another account from the same address is not affected.
    const other = await attempt('S0100002', 'Lakeside-Noah-2026', '10.1.0.99');
    expect(other.page.html).toContain('Hello, Noah');
  });

  test('the lock is not permanent: once the window has passed the right password works', async () => {
    await server.services.store.db
      .updateTable('throttle_counters')
      .set({ window_start: Date.now() - 16 * 60 * 1000 })
      .where('key', '=', 'login:account:s0100001')
      .execute();
    const { page } = await attempt('S0100001', 'Lakeside-Ana-2026', '10.1.0.100');
    expect(page.status).toBe(200);
    expect(page.html).toContain('Hello, Ana');
  });

  test('per address: 6 failures on different accounts from one address block that address only', async () => {
    for (let i = 0; i < 6; i += 1) {
      const { page } = await attempt(`S09000${10 + i}`, 'not-the-password', '10.2.0.1');
      expect(page.status).toBe(401);
    }
    const blocked = await attempt('S0100002', 'Lakeside-Noah-2026', '10.2.0.1', 'fr');
    expect(blocked.page.status).toBe(429);
    expect(blocked.page.html).toContain('Trop de tentatives. Veuillez réessayer dans 15 minutes.');

    const elsewhere = await attempt('S0100002', 'Lakeside-Noah-2026', '10.2.0.2');
    expect(elsewhere.page.html).toContain('Hello, Noah');
  });

  test('throttled attempts are audited', async () => {
    const events = await server.services.audit.recent({ type: 'login.throttled' });
    expect(events.length).toBeGreaterThanOrEqual(2);
    expect(events.some((e) => e.ip === '10.2.0.1')).toBe(true);
  });
});

describe('client address without a trusted proxy', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer('sqlite', { overrides: { login: { perAccount: { limit: 50, window: '15m' }, perAddress: { limit: 2, window: '15m' } } } });
  });
  afterAll(() => server.close());

  test('X-Forwarded-For is ignored, so a client cannot dodge the per-address limit by inventing addresses', async () => {
    for (let i = 0; i < 2; i += 1) {
      const browser = new WebClient({ 'x-forwarded-for': `192.0.2.${i}` });
      await browser.get(`${server.url}/`);
      await browser.submit('/username', { username: 'S0100001' });
      expect((await browser.submit('/password', { password: 'wrong-password!' })).status).toBe(401);
    }
    const browser = new WebClient({ 'x-forwarded-for': '192.0.2.77' });
    await browser.get(`${server.url}/`);
    await browser.submit('/username', { username: 'S0100002' });
    expect((await browser.submit('/password', { password: 'Lakeside-Noah-2026' })).status).toBe(429);
  });
});
