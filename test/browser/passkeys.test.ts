import { createServer } from 'node:net';
import * as oidc from 'openid-client';
import type { Browser, CDPSession, Page } from 'playwright-core';
import { ACR_MULTI_FACTOR } from '../../src/mfa/authn-context.js';
import { alertText, axeViolations, clickAndLoad, heading, launchBrowser, newContext } from '../helpers/browser.js';
import { ENGINES, startTestServer, type TestServer } from '../helpers/server.js';
import { appCode, secretFromPage } from '../mfa/totp-code.js';
import { authorizationRequest } from '../helpers/authorization.js';

/** A free loopback port: the issuer must name `localhost` (WebAuthn refuses an IP address as relying party id). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/**
 * Passkeys in Chromium, with its virtual authenticator (a platform authenticator that holds discoverable credentials
 * and verifies its user) driven over the DevTools protocol: added at /account/security and at the set-up step of a
 * sign-in, used after the password and alone (username-less) into an OIDC app whose ID token says how, refused once
 * removed, and refused for another account. The pages that offer passkeys have no axe-core violation, in English and French.
 */
describe.each(ENGINES)('passkeys in Chromium (%s)', (engine) => {
  let browser: Browser;
  let server: TestServer;
  let issuer: string;
  let config: oidc.Configuration;
  const callback = 'http://127.0.0.1:9/app/callback';

  beforeAll(async () => {
    browser = await launchBrowser();
    const port = await freePort();
    issuer = `http://localhost:${port}`;
    server = await startTestServer(engine, { port, issuer, overrides: { mfa: { requiredRoles: ['admin', 'helpdesk'] } } });
    const registered = await server.services.clients.register({ name: 'Grades', redirectUris: [callback], firstParty: true });
    config = await oidc.discovery(new URL(issuer), registered.client.clientId, registered.clientSecret!, undefined, { execute: [oidc.allowInsecureRequests] });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  async function authenticator(page: Page): Promise<{ cdp: CDPSession; authenticatorId: string }> {
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
    });
    return { cdp, authenticatorId };
  }

  /** Opens the app's authorization request; `tokens` redeems the code the browser brings back to the app. */
  async function startAtApp(page: Page) {
    const request = await authorizationRequest(config, callback);
    await page.goto(request.url.href);
    return {
      tokens: async () => {
        await page.waitForURL((u) => u.href.startsWith(callback));
        return (await request.redeem(page.url())).claims()!;
      },
    };
  }

  async function password(page: Page, username: string, secret: string) {
    await page.fill('#username', username);
    await clickAndLoad(page, page.locator('form[action$="/username"] button[type="submit"]'));
    await page.fill('#password', secret);
    await clickAndLoad(page, page.locator('form[action$="/password"] button[type="submit"]'));
  }

  const auditOf = async (type: string) => (await server.services.audit.recent({ type })).map((e) => ({ subjectId: e.subjectId, ...e.data }));
  const idOf = async (username: string) => (await server.services.accounts.findByUsername(username))!.id;

  test('add, use after the password, use alone into an app, remove; another account’s passkey fails', async () => {
    const { context, page, problems } = await newContext(browser);
    const axe: Record<string, string[]> = {};
    /** axe-core on the page as it is, then on the same page in French (the language switcher's ?lang=), then back. */
    const checkBoth = async (name: string) => {
      axe[name] = await axeViolations(page);
      const url = new URL(page.url());
      url.searchParams.set('lang', 'fr');
      await page.goto(url.href);
      expect(await page.locator('html').getAttribute('lang')).toBe('fr');
      axe[`${name} (fr)`] = await axeViolations(page);
      url.searchParams.set('lang', 'en');
      await page.goto(url.href);
    };
    await page.route(`${callback}**`, (route) => route.fulfill({ status: 200, contentType: 'text/plain', body: 'the app' }));
    try {
      const { cdp, authenticatorId } = await authenticator(page);
      const adminId = await idOf('admin');

      // The admin sets up an authenticator app at sign-in, then adds a passkey at /account/security.
      await page.goto(`${issuer}/`);
      await password(page, 'admin', 'Admin-Maple-2026');
      expect(await heading(page)).toBe('Set up a second factor');
      await page.fill('#code', appCode(secretFromPage(await page.content())));
      await clickAndLoad(page, page.locator('form[action$="/enrol"] button[type="submit"]'));
      await clickAndLoad(page, page.locator('form[action$="/recovery-codes"] button[type="submit"]'));
      expect(await heading(page)).toContain('Hello, Dana');
      await page.goto(`${issuer}/account/security`);
      await page.fill('#passkey-name', 'Office laptop');
      await clickAndLoad(page, page.getByRole('button', { name: 'Add a passkey or security key' }));
      expect(await page.getByRole('status').first().innerText()).toBe('Your passkey was added.');
      await checkBoth('account security, with a passkey');
      expect(await page.locator('.factor').allInnerTexts()).toEqual([
        expect.stringContaining('Authenticator app'),
        expect.stringContaining('Office laptop · Passkey or security key'),
      ]);
      const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
      expect(credentials.map((c) => c.isResidentCredential)).toEqual([true]);
      expect(await auditOf('mfa.enrolled')).toEqual([
        expect.objectContaining({ subjectId: adminId, kind: 'passkey', userVerified: true }),
        expect.objectContaining({ subjectId: adminId, kind: 'totp' }),
      ]);

      // Password, then the passkey: the second-factor step offers it first.
      await context.clearCookies();
      let app = await startAtApp(page);
      await password(page, 'admin', 'Admin-Maple-2026');
      expect(await heading(page)).toBe('Enter your code');
      await checkBoth('second factor, with a passkey');
      await clickAndLoad(page, page.getByRole('button', { name: 'Use your passkey' }));
      let claims = await app.tokens();
      expect(claims.amr).toEqual(['pwd', 'hwk', 'pin', 'mfa']);
      expect(claims.acr).toBe(ACR_MULTI_FACTOR);

      // Alone, from the username page: no username, no password; the authenticator verified its user.
      await context.clearCookies();
      app = await startAtApp(page);
      await checkBoth('username, with the passkey button');
      await clickAndLoad(page, page.getByRole('button', { name: 'Sign in with a passkey' }));
      claims = await app.tokens();
      expect(claims.sub).toBe(adminId);
      expect(claims.amr).toEqual(['hwk', 'pin', 'mfa']);
      expect(claims.acr).toBe(ACR_MULTI_FACTOR);
      expect(await auditOf('mfa.used')).toEqual([
        expect.objectContaining({ subjectId: adminId, method: 'passkey', alone: true, userVerified: true }),
        expect.objectContaining({ subjectId: adminId, method: 'passkey', alone: false, userVerified: true }),
      ]);

      // Removed: the key still holds the credential, but it no longer signs anyone in.
      await page.goto(`${issuer}/account/security`);
      await clickAndLoad(page, page.getByRole('button', { name: 'Remove — Office laptop' }));
      expect(await page.getByRole('status').first().innerText()).toBe('The second factor was removed.');
      await context.clearCookies();
      await startAtApp(page);
      await clickAndLoad(page, page.getByRole('button', { name: 'Sign in with a passkey' }));
      expect(await alertText(page)).toBe('Authentication Failed');
      expect(await heading(page)).toBe('Sign in');
      expect((await auditOf('mfa.removed'))[0]).toMatchObject({ subjectId: adminId });
      expect((await auditOf('mfa.failed'))[0]).toMatchObject({ subjectId: null, method: 'passkey', alone: true, why: 'unknown credential' });

      // The help desk sets up a passkey instead of an app at the set-up step of its sign-in.
      await context.clearCookies();
      await page.goto(`${issuer}/`);
      await password(page, 'helpdesk', 'Helpdesk-Maple-2026');
      expect(await heading(page)).toBe('Set up a second factor');
      await checkBoth('set up at sign-in, with a passkey');
      await clickAndLoad(page, page.getByRole('button', { name: 'Add a passkey or security key' }));
      expect(await heading(page)).toBe('Save your recovery codes');
      await clickAndLoad(page, page.locator('form[action$="/recovery-codes"] button[type="submit"]'));
      expect(await heading(page)).toContain('Hello');
      const helpdeskCredential = await server.services.store.db
        .selectFrom('mfa_factors')
        .select('credential_id')
        .where('account_id', '=', await idOf('helpdesk'))
        .executeTakeFirstOrThrow();

      // With a passkey and no app, the second-factor step offers the passkey and recovery codes, not an app's code.
      await context.clearCookies();
      await page.goto(`${issuer}/`);
      await password(page, 'helpdesk', 'Helpdesk-Maple-2026');
      expect(await page.locator('#code').count()).toBe(0);
      expect(await page.locator('#recovery-code').count()).toBe(1);
      await clickAndLoad(page, page.getByRole('button', { name: 'Use your passkey' }));
      expect(await heading(page)).toContain('Hello');

      // The admin's password, then the help desk's passkey: refused, without saying which factor failed.
      await context.clearCookies();
      await startAtApp(page);
      await password(page, 'admin', 'Admin-Maple-2026');
      expect(await heading(page)).toBe('Enter your code');
      await Promise.all([page.waitForEvent('framenavigated', (frame) => frame === page.mainFrame()), answerWithCredential(page, helpdeskCredential.credential_id!)]);
      await page.waitForLoadState('load');
      expect(await alertText(page)).toBe('Authentication Failed');
      expect(await heading(page)).toBe('Enter your code');
      expect((await auditOf('mfa.failed'))[0]).toMatchObject({ subjectId: adminId, method: 'passkey', alone: false, why: "another account's credential" });
      expect(problems.list).toEqual([]);
      expect(Object.entries(axe).filter(([, violations]) => violations.length > 0)).toEqual([]);
      expect(Object.keys(axe)).toHaveLength(8);
    } finally {
      await context.close();
    }
  }, 120_000);
});

/**
 * What a page's script would post, but signed with the given credential (another account's) for this sign-in's
 * challenge: the browser is told to use that credential, as someone holding a colleague's key would.
 */
async function answerWithCredential(page: Page, credentialId: string): Promise<void> {
  await page.evaluate(async (id) => {
    const text = (buffer: ArrayBuffer) =>
      btoa(String.fromCharCode(...new Uint8Array(buffer)))
        .replace(/\+/g, '-')
        .replace(/\//g, '_')
        .replace(/=+$/, '');
    const bytes = (value: string) => Uint8Array.from(atob(value.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((value.length + 3) % 4)), (c) => c.charCodeAt(0));
    const csrf = (document.querySelector('input[name="_csrf"]') as HTMLInputElement).value;
    const uid = location.pathname.split('/')[2];
    const answer = await fetch(`/interaction/${uid}/passkey/options`, { method: 'POST', body: new URLSearchParams({ _csrf: csrf }) });
    const { options } = (await answer.json()) as { options: { challenge: string; rpId: string } };
    const credential = (await navigator.credentials.get({
      publicKey: { challenge: bytes(options.challenge), rpId: options.rpId, allowCredentials: [{ type: 'public-key', id: bytes(id) }], userVerification: 'preferred' },
    })) as PublicKeyCredential;
    const response = credential.response as AuthenticatorAssertionResponse;
    const json = {
      id: credential.id,
      rawId: text(credential.rawId),
      type: 'public-key',
      clientExtensionResults: {},
      response: {
        clientDataJSON: text(response.clientDataJSON),
        authenticatorData: text(response.authenticatorData),
        signature: text(response.signature),
        ...(response.userHandle ? { userHandle: text(response.userHandle) } : {}),
      },
    };
    const form = document.createElement('form');
    form.method = 'post';
    form.action = `/interaction/${uid}/passkey`;
    for (const [name, value] of Object.entries({ _csrf: csrf, response: JSON.stringify(json) })) {
      const input = document.createElement('input');
      input.type = 'hidden';
      input.name = name;
      input.value = value;
      form.append(input);
    }
    document.body.append(form);
    form.submit();
  }, credentialId);
}
