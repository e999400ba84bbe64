import { post } from '../admin/helpers.js';
import { ENGINES, startTestServer, type TestServer } from '../helpers/server.js';
import { signIn, WebClient, type Page } from '../helpers/web-client.js';
import { appCode, secretFromPage } from './totp-code.js';

/**
 * The passkey endpoints of a sign-in over plain HTTP: the options and their challenge kept server-side, and answers
 * that are not a passkey's (what someone without the key can send) failing exactly as a wrong code does, on the same
 * counters. Chromium's virtual authenticator drives the real passkeys in test/browser/passkeys.test.ts.
 */
describe.each(ENGINES)('passkey answers at sign-in (%s)', (engine) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(engine, {
      overrides: { server: { trustProxy: true }, mfa: { requiredRoles: ['admin', 'helpdesk'], perAccount: { limit: 3, window: '15m' } } },
    });
  });
  afterAll(() => server.close());

  const csrfOf = (page: Page) => /name="_csrf" value="([^"]+)"/.exec(page.html)![1];
  const uidOf = (page: Page) => /\/interaction\/([^/?#]+)/.exec(page.url)![1];
  /** A well-formed answer naming a credential nobody registered. */
  const forged = JSON.stringify({
    id: 'bm90LWEta2V5',
    rawId: 'bm90LWEta2V5',
    type: 'public-key',
    clientExtensionResults: {},
    response: { clientDataJSON: 'e30', authenticatorData: 'AAAA', signature: 'AAAA' },
  });

  test('before the password: discoverable options, the challenge a flow record with an expiry; a forged answer fails', async () => {
    const client = new WebClient({ 'x-forwarded-for': '10.8.0.1' });
    const page = await client.get(`${server.url}/`);
    expect(page.html).toContain('Sign in with a passkey');
    const uid = uidOf(page);
    const refused = await post(client, `${server.url}/interaction/${uid}/passkey/options`, { _csrf: 'wrong' });
    expect(refused.status).toBe(403);

    const before = Date.now();
    const answer = await post(client, `${server.url}/interaction/${uid}/passkey/options`, { _csrf: csrfOf(page) });
    expect(answer.headers.get('cache-control')).toBe('no-store');
    const { options } = JSON.parse(answer.html) as { options: Record<string, unknown> };
    expect(options).toMatchObject({ rpId: '127.0.0.1', allowCredentials: [], userVerification: 'preferred' });
    const flow = await server.services.flows.get<Record<string, unknown>>(`passkey:login:${uid}`);
    expect(flow).toMatchObject({ kind: 'passkey-challenge', step: 'issued', context: { challenge: options.challenge, purpose: 'authenticate', accountId: null } });
    expect(flow!.expiresAt).toBeGreaterThan(before);
    expect(flow!.expiresAt).toBeLessThanOrEqual(Date.now() + 5 * 60_000);

    const failed = await post(client, `${server.url}/interaction/${uid}/passkey`, { _csrf: csrfOf(page), response: forged });
    expect(failed.status).toBe(401);
    expect(client.alert()).toBe('Authentication Failed');
    expect(failed.html).toContain('id="username"');
    // The challenge was used up by that answer.
    expect(await server.services.flows.get(`passkey:login:${uid}`)).toBeUndefined();
    const [event] = await server.services.audit.recent({ type: 'mfa.failed' });
    expect(event).toMatchObject({ subjectId: null, ip: '10.8.0.1', data: { method: 'passkey', alone: true, why: 'unknown credential' } });
  });

  test('after the password, forged answers are counted with wrong codes: past the limit even the right code waits', async () => {
    const owner = new WebClient({ 'x-forwarded-for': '10.8.1.1' });
    const setup = await signIn(owner, `${server.url}/`, 'helpdesk', 'Helpdesk-Maple-2026');
    const secret = secretFromPage(setup.html);
    await owner.submit('/enrol', { code: appCode(secret) });
    expect((await owner.submit('/recovery-codes')).html).toContain('Hello');
    const helpdeskId = (await server.services.accounts.findByUsername('helpdesk'))!.id;

    for (let i = 0; i < 3; i += 1) {
      const attacker = new WebClient({ 'x-forwarded-for': `10.8.2.${i + 1}` });
      const page = await signIn(attacker, `${server.url}/`, 'helpdesk', 'Helpdesk-Maple-2026');
      expect(page.html).toContain('Enter your code');
      const uid = uidOf(page);
      const options = JSON.parse((await post(attacker, `${server.url}/interaction/${uid}/passkey/options`, { _csrf: csrfOf(page) })).html) as {
        options: { allowCredentials: unknown[] };
      };
      // The account has no passkey: the options list none.
      expect(options.options.allowCredentials).toEqual([]);
      const failed = await post(attacker, `${server.url}/interaction/${uid}/passkey`, { _csrf: csrfOf(page), response: i === 0 ? 'not json' : forged });
      expect(failed.status).toBe(401);
      expect(attacker.alert()).toBe('Authentication Failed');
      expect(failed.html).toContain('Enter your code');
    }
    const late = new WebClient({ 'x-forwarded-for': '10.8.2.99' });
    await signIn(late, `${server.url}/`, 'helpdesk', 'Helpdesk-Maple-2026');
    const blocked = await late.submit('/second-factor', { code: appCode(secret, Date.now(), 1) });
    expect(blocked.status).toBe(429);
    const failures = await server.services.audit.recent({ type: 'mfa.failed' });
    expect(failures.filter((e) => e.subjectId === helpdeskId).map((e) => e.data)).toEqual([
      { method: 'passkey', alone: false, why: 'unknown credential' },
      { method: 'passkey', alone: false, why: 'unknown credential' },
      { method: 'passkey', alone: false, why: 'malformed' },
    ]);
    expect(await server.services.audit.recent({ type: 'mfa.throttled' })).toEqual([expect.objectContaining({ subjectId: helpdeskId })]);
  });
});
