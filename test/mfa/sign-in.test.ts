import * as oidc from 'openid-client';
import { ACR_MULTI_FACTOR, ACR_SINGLE_FACTOR } from '../../src/mfa/authn-context.js';
import { ENGINES, startTestServer, type TestServer } from '../helpers/server.js';
import { WebClient } from '../helpers/web-client.js';
import { appCode, codesFromPage, secretFromPage } from './totp-code.js';
import { authorizationRequest } from '../helpers/authorization.js';

/** Staff's second factor at sign-in, driven through the real pages by openid-client as a relying party. */
describe.each(ENGINES)('second factor at sign-in (%s)', (engine) => {
  let server: TestServer;
  let config: oidc.Configuration;
  const callback = 'http://127.0.0.1:9/app/callback';
  /** What the tests learn as they go: the admin's app secret and recovery codes. */
  const admin = { secret: '', codes: [] as string[] };

  beforeAll(async () => {
    server = await startTestServer(engine, {
      overrides: {
        server: { trustProxy: true },
        mfa: { requiredRoles: ['admin', 'helpdesk'], perAccount: { limit: 3, window: '15m' } },
      },
    });
    const registered = await server.services.clients.register({ name: 'Grades', redirectUris: [callback], firstParty: true });
    config = await oidc.discovery(new URL(server.url), registered.client.clientId, registered.clientSecret!, undefined, { execute: [oidc.allowInsecureRequests] });
  });
  afterAll(() => server.close());

  /** Starts an authorization request and signs in with username and password; returns the page that follows. */
  async function start(browser: WebClient, username: string, password: string, params: Record<string, string> = {}) {
    const request = await authorizationRequest(config, callback, { params });
    browser.stopAt = callback;
    await browser.get(request.url.href);
    await browser.submit('/username', { username });
    const page = await browser.submit('/password', { password });
    const tokens = async () => {
      expect(browser.page!.url.startsWith(callback)).toBe(true);
      return (await request.redeem(browser.page!.url)).claims()!;
    };
    return { page, tokens };
  }

  test('an admin without a second factor sets up an app at sign-in, before reaching the app; the ID token says so', async () => {
    const browser = new WebClient({ 'x-forwarded-for': '10.9.0.1' });
    const { page, tokens } = await start(browser, 'admin', 'Admin-Maple-2026');
    expect(page.url).toContain('/interaction/');
    expect(page.html).toContain('Set up a second factor');
    expect(page.html).toMatch(/<svg[^>]*>/);
    expect(page.html).toContain('otpauth://totp/');
    expect(page.html).toMatch(/<input id="code" name="code" type="text" autocomplete="one-time-code" inputmode="numeric"/);
    admin.secret = secretFromPage(page.html);
    expect(page.html).toContain(admin.secret.slice(0, 4) + ' ');

    const wrong = await browser.submit('/enrol', { code: appCode(admin.secret, Date.now(), 10) });
    expect(wrong.status).toBe(400);
    expect(browser.alert()).toContain('That code did not match');

    const codes = await browser.submit('/enrol', { code: appCode(admin.secret), name: 'Phone' });
    expect(codes.html).toContain('Save your recovery codes');
    admin.codes = codesFromPage(codes.html);
    expect(admin.codes).toHaveLength(10);
    expect(new Set(admin.codes).size).toBe(10);
    // Shown once: the database keeps digests only.
    const stored = await server.services.store.db.selectFrom('mfa_recovery_codes').select('code_digest').execute();
    expect(stored.map((r) => r.code_digest)).not.toContain(admin.codes[0]);
    const factor = await server.services.store.db.selectFrom('mfa_factors').select('secret_sealed').executeTakeFirstOrThrow();
    expect(factor.secret_sealed).not.toContain(admin.secret);

    await browser.submit('/recovery-codes');
    const claims = await tokens();
    expect(claims.amr).toEqual(['pwd', 'otp', 'mfa']);
    expect(claims.acr).toBe(ACR_MULTI_FACTOR);
    const events = (await server.services.audit.recent({ type: 'mfa.enrolled' })).map((e) => e.type);
    expect(events).toEqual(['mfa.enrolled']);
  });

  test('the next sign-in asks for a code: a fresh one works, the same one again is refused', async () => {
    const browser = new WebClient({ 'x-forwarded-for': '10.9.0.2' });
    const first = await start(browser, 'admin', 'Admin-Maple-2026');
    expect(first.page.html).toContain('Enter your code');
    const code = appCode(admin.secret, Date.now(), 1);
    await browser.submit('/second-factor', { code });
    expect((await first.tokens()).amr).toEqual(['pwd', 'otp', 'mfa']);

    const again = new WebClient({ 'x-forwarded-for': '10.9.0.2' });
    await start(again, 'admin', 'Admin-Maple-2026');
    const replay = await again.submit('/second-factor', { code });
    expect(replay.status).toBe(401);
    expect(again.alert()).toBe('Authentication Failed');
    expect(replay.url).toContain('/interaction/');
  });

  test('a recovery code signs in once; the second time it is refused', async () => {
    const recoveryCode = admin.codes[3].toLowerCase().replace(/-/g, ' ');
    const browser = new WebClient({ 'x-forwarded-for': '10.9.0.3' });
    const first = await start(browser, 'admin', 'Admin-Maple-2026');
    await browser.submit('/second-factor', { code: recoveryCode });
    expect((await first.tokens()).acr).toBe(ACR_MULTI_FACTOR);
    expect(await server.services.secondFactors.unusedRecoveryCodes((await server.services.accounts.findByUsername('admin'))!.id)).toBe(9);

    const again = new WebClient({ 'x-forwarded-for': '10.9.0.3' });
    await start(again, 'admin', 'Admin-Maple-2026');
    const refused = await again.submit('/second-factor', { code: admin.codes[3] });
    expect(refused.status).toBe(401);
    expect(again.alert()).toBe('Authentication Failed');
  });

  test('guessing codes is throttled per account: past the limit even the right code waits, and a known password buys no more tries', async () => {
    const owner = new WebClient({ 'x-forwarded-for': '10.9.1.1' });
    const setup = await start(owner, 'helpdesk', 'Helpdesk-Maple-2026');
    const secret = secretFromPage(setup.page.html);
    await owner.submit('/enrol', { code: appCode(secret) });
    await owner.submit('/recovery-codes');
    await setup.tokens();

    for (let i = 0; i < 3; i += 1) {
      // A fresh sign-in each time: the right password must not reset the count of wrong codes.
      const attacker = new WebClient({ 'x-forwarded-for': `10.9.2.${i + 1}` });
      await start(attacker, 'helpdesk', 'Helpdesk-Maple-2026');
      const wrong = await attacker.submit('/second-factor', { code: String((Number(appCode(secret, Date.now(), 1)) + 1) % 1_000_000).padStart(6, '0') });
      expect(wrong.status).toBe(401);
    }
    const late = new WebClient({ 'x-forwarded-for': '10.9.2.99' });
    await start(late, 'helpdesk', 'Helpdesk-Maple-2026');
    const blocked = await late.submit('/second-factor', { code: appCode(secret, Date.now(), 1) });
    expect(blocked.status).toBe(429);
    expect(blocked.html).toContain('Too many attempts');
    expect((await server.services.audit.recent({ type: 'mfa.failed' })).length).toBeGreaterThanOrEqual(3);
    expect((await server.services.audit.recent({ type: 'mfa.throttled' })).length).toBe(1);
  });

  test('students are unaffected: password only, amr pwd; an app that demands a second factor gets an error instead', async () => {
    const browser = new WebClient({ 'x-forwarded-for': '10.9.3.1' });
    const { tokens } = await start(browser, 'S0100001', 'Lakeside-Ana-2026');
    const claims = await tokens();
    expect(claims.amr).toEqual(['pwd']);
    expect(claims.acr).toBe(ACR_SINGLE_FACTOR);

    const strict = new WebClient({ 'x-forwarded-for': '10.9.3.2' });
    await start(strict, 'S0100002', 'Lakeside-Noah-2026', { acr_values: ACR_MULTI_FACTOR });
    const answer = new URL(strict.page!.url);
    expect(answer.href.startsWith(callback)).toBe(true);
    expect(answer.searchParams.get('error')).toBe('unmet_authentication_requirements');
  });

  test('an app asking for a second factor (acr_values) gets it: a teacher not required to have one is asked to set one up', async () => {
    expect(config.serverMetadata().acr_values_supported).toEqual([ACR_SINGLE_FACTOR, ACR_MULTI_FACTOR]);
    const browser = new WebClient({ 'x-forwarded-for': '10.9.4.1' });
    const { page, tokens } = await start(browser, 'mrivera', 'Teach-Lakeside-2026', { acr_values: ACR_MULTI_FACTOR });
    expect(page.html).toContain('Set up a second factor');
    await browser.submit('/enrol', { code: appCode(secretFromPage(page.html)) });
    await browser.submit('/recovery-codes');
    expect((await tokens()).acr).toBe(ACR_MULTI_FACTOR);

    // Without acr_values, the teacher's sign-in now asks for the code too: a factor once set up is always used.
    const next = new WebClient({ 'x-forwarded-for': '10.9.4.2' });
    const later = await start(next, 'mrivera', 'Teach-Lakeside-2026');
    expect(later.page.html).toContain('Enter your code');
  });
});
