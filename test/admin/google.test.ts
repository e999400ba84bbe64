import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as oidc from 'openid-client';
import type { Role } from '../../src/accounts/account.js';
import { accountEmail } from '../../src/accounts/email.js';
import { GOOGLE_OIDC_CLIENT_ID } from '../../src/admin/google-workspace.js';
import { ENGINES, startTestServer, type TestServer } from '../helpers/server.js';
import { WebClient } from '../helpers/web-client.js';
import { ADMIN, post, signedIn, STUDENT, submitForm, TEACHER } from './helpers.js';

const TEMPLATES = { student: '{username}@students.maple.example' };
const GOOGLE_REDIRECT = 'https://accounts.google.com/signin/oidc/callback/test';

const echoedDomain = (html: string) => /<input id="domain"[^>]*value="([^"]*)"/.exec(html)?.[1] ?? null;
const text = (html: string, id: string) => new RegExp(`id="${id}"[^>]*>([^<]*)<`).exec(html)?.[1] ?? null;

/** The Connect Google Workspace page: its values match what Homeroom serves, its OIDC client works, its account count is right. */
describe.each(ENGINES)('admin console: Connect Google Workspace (%s)', (engine) => {
  let server: TestServer;
  let admin: WebClient;

  beforeAll(async () => {
    server = await startTestServer(engine, { overrides: { email: { templates: TEMPLATES } } });
    admin = await signedIn(server, ADMIN);
  });
  afterAll(() => server?.close());

  /** Saves the primary domain through the page's form (as the administrator does), then shows the page. */
  async function googlePage(domain = 'maple.example', client = admin) {
    await client.get(`${server.url}/admin/google`);
    return submitForm(client, '/admin/google/domain', { domain });
  }

  /** The active accounts accountEmail() gives no address, worked out in code rather than SQL. */
  async function withoutEmailInCode(): Promise<string[]> {
    const db = server.services.store.db;
    const accounts = await db.selectFrom('accounts').select(['id', 'username', 'email', 'student_id', 'status']).execute();
    const roles = await db.selectFrom('account_roles').select(['account_id', 'role']).execute();
    return accounts
      .filter((a) => a.status === 'active')
      .filter(
        (a) =>
          !accountEmail({ email: a.email, username: a.username, studentId: a.student_id, roles: roles.filter((r) => r.account_id === a.id).map((r) => r.role as Role) }, TEMPLATES),
      )
      .map((a) => a.username)
      .sort((x, y) => x.toLowerCase().localeCompare(y.toLowerCase()));
  }

  test('the SAML profile values are those of /saml/metadata, and the certificate download is its signing certificate', async () => {
    const page = await googlePage();
    expect(page.status).toBe(200);
    const metadata = await (await fetch(`${server.url}/saml/metadata`)).text();
    const entityId = /entityID="([^"]+)"/.exec(metadata)![1];
    const sso = /<md:SingleSignOnService Binding="[^"]+HTTP-Redirect" Location="([^"]+)"/.exec(metadata)![1];
    expect(text(page.html, 'saml-entity-id')).toBe(entityId);
    expect(text(page.html, 'saml-sign-in-url')).toBe(sso);
    expect(text(page.html, 'saml-sign-out-url')).toBe(`${server.url}/session/end`);
    expect(text(page.html, 'saml-change-password-url')).toBe(`${server.url}/recover`);
    expect(page.html).toContain('NameID format: emailAddress');
    // Both the sign-out and change-password pages exist.
    for (const path of ['/session/end', '/recover']) expect((await new WebClient().get(`${server.url}${path}`)).status).toBeLessThan(400);

    const download = await fetch(`${server.url}/saml/certificate.pem`);
    expect(download.headers.get('content-disposition')).toContain('homeroom-saml.pem');
    const pem = await download.text();
    const body = /<ds:X509Certificate>([^<]+)</.exec(metadata)![1];
    expect(new X509Certificate(pem).raw.toString('base64')).toBe(body);
    expect(page.html).toContain('href="/admin/saml-apps/new?preset=google"');
  });

  test('the SAML app link opens the form with Google’s choices: its name and the email address as NameID', async () => {
    const form = await admin.get(`${server.url}/admin/saml-apps/new?preset=google`);
    expect(form.html).toMatch(/name="name_en"[^>]*value="Google Workspace"/);
    expect(form.html).toMatch(/id="nameIdSource-email"[^>]*checked/);
  });

  test('the custom OIDC profile: the issuer is the discovery document’s; the client is made on the button, once, and signs in with the email claim', async () => {
    const page = await googlePage();
    const discovery = await (await fetch(`${server.url}/.well-known/openid-configuration`)).json();
    expect(text(page.html, 'oidc-issuer')).toBe(discovery.issuer);
    expect(await server.services.clients.find(GOOGLE_OIDC_CLIENT_ID)).toBeNull();

    // Refusals first: nothing is made.
    for (const [redirectUri, message] of [
      ['', 'Enter the redirect URI Google shows in its OIDC profile.'],
      ['https://evil.example/callback', 'Enter the redirect URI Google shows: an https address at google.com.'],
      ['http://accounts.google.com/callback', 'must use https'],
    ]) {
      await googlePage();
      const refused = await submitForm(admin, '/admin/google/oidc-client', { redirectUri });
      expect(refused.status).toBe(400);
      expect(refused.html).toContain(message);
    }
    expect(await server.services.clients.find(GOOGLE_OIDC_CLIENT_ID)).toBeNull();

    const form = await googlePage();
    const csrf = /name="_csrf" value="([^"]+)"/.exec(form.html)![1];
    const created = await submitForm(admin, '/admin/google/oidc-client', { redirectUri: GOOGLE_REDIRECT });
    expect(created.status).toBe(200);
    const secret = text(created.html, 'oidc-client-secret')!;
    expect(text(created.html, 'oidc-client-id')).toBe(GOOGLE_OIDC_CLIENT_ID);
    expect(secret.length).toBeGreaterThanOrEqual(40);
    const client = (await server.services.clients.find(GOOGLE_OIDC_CLIENT_ID))!;
    expect(client).toMatchObject({ redirectUris: [GOOGLE_REDIRECT], public: false, firstParty: true, scopes: expect.arrayContaining(['openid', 'email']) });
    const events = await server.services.audit.recent({ type: 'client.created', subjectId: GOOGLE_OIDC_CLIENT_ID });
    expect(events).toHaveLength(1);

    // Pressed again (a second tab still showing the button): nothing new, the secret is not shown again.
    const again = await post(admin, `${server.url}/admin/google/oidc-client`, { _csrf: csrf, domain: 'maple.example', redirectUri: GOOGLE_REDIRECT });
    expect(again.status).toBe(200);
    expect(again.html).not.toContain(secret);
    expect(again.html).toContain('id="oidc-exists"');
    expect(await server.services.audit.recent({ type: 'client.created', subjectId: GOOGLE_OIDC_CLIENT_ID })).toHaveLength(1);

    // Google's side, played by openid-client: Ana signs in and the ID token carries her Google address.
    const config = await oidc.discovery(new URL(server.url), GOOGLE_OIDC_CLIENT_ID, secret, undefined, { execute: [oidc.allowInsecureRequests] });
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: GOOGLE_REDIRECT,
      scope: 'openid email',
      state,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    });
    const browser = new WebClient();
    browser.stopAt = GOOGLE_REDIRECT;
    await browser.get(url.href);
    await browser.submit('/username', { username: STUDENT.username });
    const landed = await browser.submit('/password', { password: STUDENT.password });
    expect(landed.url.startsWith(GOOGLE_REDIRECT)).toBe(true);
    const tokens = await oidc.authorizationCodeGrant(config, new URL(landed.url), { pkceCodeVerifier: verifier, expectedState: state });
    expect(tokens.claims()!.email).toBe('s0100001@students.maple.example');
  });

  test('the accounts without an email address are counted and listed by page, as accountEmail() decides', async () => {
    // The demo roster gives everyone an address; a teacher without one has no template to fall back on.
    const db = server.services.store.db;
    const teacher = await db.selectFrom('accounts').select('id').where('username', '=', TEACHER.username).executeTakeFirstOrThrow();
    await db.updateTable('accounts').set({ email: null }).where('id', '=', teacher.id).execute();
    await db.updateTable('accounts').set({ email: null }).where('username', '=', STUDENT.username).execute();
    const expected = await withoutEmailInCode();
    expect(expected).toEqual([TEACHER.username]);
    const page = await googlePage();
    expect(text(page.html, 'no-email-count')).toBe('1 active account has no email address: no roster email and no address template for its role.');
    const listed = [...page.html.matchAll(/<th scope="row"><code>([^<]+)<\/code><\/th>/g)].map((m) => m[1]);
    // Ana has no roster email either, but the student template gives her one.
    expect(listed).toEqual([TEACHER.username]);

    // A disabled account is not listed; a roster email outside the domain is counted.
    await db.updateTable('accounts').set({ status: 'disabled' }).where('id', '=', teacher.id).execute();
    expect(text((await googlePage()).html, 'no-email-count')).toContain('0 active accounts');
    await db.updateTable('accounts').set({ status: 'active', email: 'mrivera@elsewhere.example' }).where('id', '=', teacher.id).execute();
    const outside = await googlePage();
    expect(text(outside.html, 'outside-domain')).toMatch(/^1 roster email address is neither at maple.example/);
    expect((await googlePage('students.maple.example')).html).not.toContain('address template for Students');
    expect((await googlePage('other.example')).html).toContain('The address template for Students ({username}@students.maple.example) is neither at other.example');
  });

  test('the list is paged: 50 accounts a page, with links between pages', async () => {
    const db = server.services.store.db;
    const now = Date.now();
    const extra = Array.from({ length: 60 }, (_, i) => ({
      id: `nomail-${i}`,
      username: `zz-staff-${String(i).padStart(2, '0')}`,
      username_key: `zz-staff-${String(i).padStart(2, '0')}`,
      given_name: 'No',
      family_name: `Mail ${i}`,
      status: 'active' as const,
      created_at: now,
      updated_at: now,
    }));
    await db.insertInto('accounts').values(extra).execute();
    await db
      .insertInto('account_roles')
      .values(extra.map((a) => ({ account_id: a.id, role: 'staff' })))
      .execute();
    const expected = await withoutEmailInCode();
    const pages = Math.ceil(expected.length / 50);
    const first = await googlePage();
    expect(first.html).toContain(`page 1 of ${pages}`);
    const next = /<a href="([^"]+)" rel="next">/.exec(first.html)![1].replace(/&amp;/g, '&');
    const last = await admin.get(new URL(next, server.url).href.replace(/page=2/, `page=${pages}`));
    const listed = [...last.html.matchAll(/<th scope="row"><code>([^<]+)<\/code><\/th>/g)].map((m) => m[1]);
    expect(listed).toEqual(expected.slice((pages - 1) * 50));
    expect(last.html).toContain('rel="prev"');
  });

  test('a bad domain is refused with a clear message and a 400, in the administrator’s language; the stored one stays', async () => {
    await googlePage('maple.example');
    const changes = (await server.services.audit.recent({ type: 'policy.changed' })).length;
    const page = await googlePage('not a domain');
    expect(page.status).toBe(400);
    expect(page.html).toContain('Enter a domain name such as maple-valley.example.');
    expect(page.html).toContain('aria-invalid="true"');
    expect(echoedDomain(page.html)).toBe('not a domain');
    expect(server.services.policies.current().google.domain).toBe('maple.example');
    expect((await server.services.audit.recent({ type: 'policy.changed' })).length).toBe(changes);
    const frenchAdmin = await signedIn(server, ADMIN);
    await frenchAdmin.get(`${server.url}/admin/google?lang=fr`);
    const french = await googlePage('pas un domaine', frenchAdmin);
    expect(french.status).toBe(400);
    expect(french.html).toContain('Saisissez un nom de domaine');
  });

  test('the domain is remembered: shown in the form, audited when it changes, used by the account pages; emptied, it is forgotten', async () => {
    const saved = await googlePage('Maple.Example.');
    expect(saved.url).toContain('/admin/google?done=');
    expect(server.services.policies.current().google.domain).toBe('maple.example');
    const again = await admin.get(`${server.url}/admin/google`);
    expect(echoedDomain(again.html)).toBe('maple.example');
    expect(again.html).toContain('id="saml-values"');
    expect((await googlePage('maple.example')).url).toContain('done=unchanged');

    await googlePage('other.example');
    const [event] = await server.services.audit.recent({ type: 'policy.changed' });
    expect(event.data).toEqual({ key: 'google.domain', before: 'maple.example', after: 'other.example' });
    // The account page warns that Ana's template address is outside the district's Google domain.
    const ana = (await server.services.accounts.findByUsername(STUDENT.username))!;
    expect((await admin.get(`${server.url}/admin/accounts/${ana.id}`)).html).toContain('is not at other.example');
    await googlePage('maple.example');
    expect((await admin.get(`${server.url}/admin/accounts/${ana.id}`)).html).not.toContain('id="google-outside"');

    const forgotten = await googlePage('');
    expect(forgotten.status).toBe(200);
    expect(server.services.policies.current().google.domain).toBeNull();
    expect(forgotten.html).not.toContain('id="saml-values"');
    expect(forgotten.html).toContain('id="domain-missing"');
    await googlePage('maple.example');
  });

  test('docs/google-workspace.md uses the page’s labels and values', async () => {
    const docs = readFileSync(new URL('../../docs/google-workspace.md', import.meta.url), 'utf8');
    const en = JSON.parse(readFileSync(new URL('../../src/i18n/locales/en.json', import.meta.url), 'utf8'));
    const g = en.admin.google;
    const straight = (label: string) => label.replace(/’/g, "'");
    const labels = [
      en.admin.nav.google,
      g.fields.domain,
      g.save,
      g.saml.entityId,
      g.saml.signInUrl,
      g.saml.signOutUrl,
      g.saml.changePasswordUrl,
      g.saml.certificate,
      g.saml.download,
      g.saml.register,
      g.oidc.issuer,
      g.oidc.changePasswordUrl,
      g.oidc.redirectUri,
      g.oidc.create,
      g.oidc.clientId,
      g.oidc.clientSecret,
      g.noEmail.heading,
      en.admin.samlApps.nameIds.email,
      en.admin.samlApps.create,
    ];
    const prose = docs.replace(/\s+/g, ' ');
    for (const label of labels) expect({ label, inDocs: prose.includes(`**${straight(label)}**`) || prose.includes(`| ${straight(label)} |`) }).toEqual({ label, inDocs: true });
    // The values, with the docs' example issuer in place of the test server's.
    const page = await googlePage();
    const asDocs = (value: string) => value.replace(server.url, 'https://my.district.example');
    for (const id of ['saml-entity-id', 'saml-sign-in-url', 'saml-sign-out-url', 'saml-change-password-url']) expect(docs).toContain(`\`${asDocs(text(page.html, id)!)}\``);
    expect(docs).toContain(`\`${asDocs(`${server.url}/saml/certificate.pem`)}\``);
    expect(docs).toContain(`\`${GOOGLE_OIDC_CLIENT_ID}\``);
  });

  test('the help desk’s account page shows the Google address, or says there is none', async () => {
    const db = server.services.store.db;
    const teacher = await signedIn(server, TEACHER);
    const ana = (await server.services.accounts.findByUsername(STUDENT.username))!;
    await teacher.get(`${server.url}/staff/students/${ana.id}/reset`);
    const ticket = await teacher.submit('/staff/tickets', { reason: 'Cannot get into Gmail' });
    expect(text(ticket.html, 'google-email')).toBe('s0100001@students.maple.example');
    // Without the student template, Ana (no roster email here) has none.
    const templates = server.config.email.templates;
    server.config.email.templates = {};
    try {
      expect(text((await admin.get(`${ticket.url}?lang=en`)).html, 'google-email')).toBe('None: this account can’t use Google Workspace');
    } finally {
      server.config.email.templates = templates;
    }
    await db.updateTable('accounts').set({ email: 'ana.garcia@maple.example' }).where('id', '=', ana.id).execute();
    expect(text((await admin.get(`${ticket.url}?lang=en`)).html, 'google-email')).toBe('ana.garcia@maple.example');
  });

  test('only administrators reach the page', async () => {
    for (const who of [TEACHER, STUDENT]) {
      const client = await signedIn(server, who);
      expect((await client.get(`${server.url}/admin/google`)).status).toBe(403);
      expect((await post(client, `${server.url}/admin/google/oidc-client`, { redirectUri: GOOGLE_REDIRECT })).status).toBe(403);
    }
  });
});
