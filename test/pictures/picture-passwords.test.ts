import * as oidc from 'openid-client';
import { ACR_SINGLE_FACTOR, SAML_UNSPECIFIED } from '../../src/mfa/authn-context.js';
import { PICTURE_ROUNDS } from '../../src/pictures/catalog.js';
import { startClaim } from '../helpers/claim.js';
import { idpCertificates, registerTestSp, startTestSp, type TestSp } from '../helpers/saml-sp.js';
import { ENGINES, startTestServer, type TestServer } from '../helpers/server.js';
import { signIn, WebClient, type Page } from '../helpers/web-client.js';
import { authorizationRequest } from '../helpers/authorization.js';

const LIMIT = 5;
const ANA = ['dog', 'banana', 'rocket'];

/** The pictures of the round a page shows, in the order shown (each a submit button of the round's form). */
function shown(page: Page): string[] {
  return [...page.html.matchAll(/<button type="submit" name="picture" value="([a-z]+)"/g)].map((m) => m[1]);
}

/** Picks one picture per round through the real forms; returns the page after the third. */
async function pick(browser: WebClient, sequence: string[]): Promise<Page> {
  let page = browser.page!;
  for (const id of sequence) page = await browser.submit('/pictures', { picture: id });
  return page;
}

/** Submits a form that chooses pictures with only `values` checked (the client would send every radio's value). */
function choose(browser: WebClient, actionPart: string, values: Record<string, string>): Promise<Page> {
  const form = browser.form(actionPart);
  return browser.request(form.action, { method: 'POST', body: new URLSearchParams({ _csrf: form.fields._csrf, ...values }).toString() });
}

/** Young students' picture passwords: set by the teacher or at claim, and a sign-in into an app with them. */
describe.each(ENGINES)('picture passwords (%s)', (engine) => {
  let server: TestServer;
  let config: oidc.Configuration;
  let sp: TestSp;
  const callback = 'http://127.0.0.1:9/app/callback';

  beforeAll(async () => {
    server = await startTestServer(engine, {
      overrides: {
        server: { trustProxy: true },
        signIn: { pictureGrades: ['04', '05'] },
        login: { perAccount: { limit: LIMIT, window: '15m' }, perAddress: { limit: 5000, window: '15m' } },
      },
    });
    const registered = await server.services.clients.register({ name: 'Storytime', redirectUris: [callback], firstParty: true });
    config = await oidc.discovery(new URL(server.url), registered.client.clientId, registered.clientSecret!, undefined, { execute: [oidc.allowInsecureRequests] });
    sp = await startTestSp(server.url, (await idpCertificates(server.url))[0]);
    await registerTestSp(server.services, sp, { name: 'Library Catalog' });
  }, 30_000);
  afterAll(async () => {
    await sp?.close();
    await server?.close();
  });

  const accountId = async (username: string) => (await server.services.accounts.findByUsername(username))!.id;

  /** The teacher's "Set pictures" page for a student, submitted with `sequence`. */
  async function teacherSets(username: string, sequence: string[]): Promise<Page> {
    const teacher = new WebClient({ 'x-forwarded-for': '10.30.0.1' });
    const students = await signIn(teacher, `${server.url}/staff`, 'mrivera', 'Teach-Lakeside-2026');
    const id = await accountId(username);
    expect(students.html).toContain(`href="/staff/students/${id}/pictures"`);
    await teacher.get(`${server.url}/staff/students/${id}/pictures`);
    return choose(teacher, `/staff/students/${id}/pictures`, Object.fromEntries(sequence.map((p, i) => [`picture${i + 1}`, p])));
  }

  /** An app's authorization request up to the password page for `username`. */
  async function toPassword(browser: WebClient, username: string) {
    const request = await authorizationRequest(config, callback);
    browser.stopAt = callback;
    await browser.get(request.url.href);
    const page = await browser.submit('/username', { username });
    const tokens = async () => {
      expect(browser.page!.url.startsWith(callback)).toBe(true);
      return (await request.redeem(browser.page!.url)).claims()!;
    };
    return { page, tokens };
  }

  test("a teacher sets a student's pictures from My students: stored hashed, audited, never shown back", async () => {
    const before = new WebClient({ 'x-forwarded-for': '10.30.0.9' });
    const students = await signIn(before, `${server.url}/staff`, 'mrivera', 'Teach-Lakeside-2026');
    expect(students.html).toMatch(/Ana<\/th>[\s\S]*?No pictures yet[\s\S]*?Set pictures/);
    const done = await teacherSets('S0100001', ANA);
    expect(done.status).toBe(200);
    expect(done.url).toContain('?saved=1');
    expect(done.html).toContain('The pictures of Ana García are set.');
    expect(done.html).not.toContain('checked');
    expect((await before.get(`${server.url}/staff`)).html).not.toMatch(/Ana<\/th>(?:(?!<\/tr>)[\s\S])*No pictures yet/);

    const row = await server.services.store.db
      .selectFrom('picture_passwords')
      .selectAll()
      .where('account_id', '=', await accountId('S0100001'))
      .executeTakeFirstOrThrow();
    expect(row.sequence_hash).toMatch(/^\$argon2id\$/);
    for (const id of ANA) expect(row.sequence_hash).not.toContain(id);
    expect(row.set_by).toBe(await accountId('mrivera'));

    const [event] = await server.services.audit.recent({ type: 'pictures.set' });
    expect(event.subjectId).toBe(await accountId('S0100001'));
    expect(event.data).toEqual({ by: 'teacher' });
    expect(JSON.stringify(event)).not.toMatch(/dog|banana|rocket/);
  });

  test('an incomplete choice is refused with a message, and a teacher cannot set the pictures of a student of a grade without them', async () => {
    const teacher = new WebClient({ 'x-forwarded-for': '10.30.0.2' });
    await signIn(teacher, `${server.url}/staff`, 'mrivera', 'Teach-Lakeside-2026');
    const id = await accountId('S0100002');
    await teacher.get(`${server.url}/staff/students/${id}/pictures`);
    const incomplete = await choose(teacher, `/staff/students/${id}/pictures`, { picture1: 'cat', picture2: 'car', picture3: 'bus' });
    expect(incomplete.status).toBe(400);
    expect(teacher.alert()).toBe('Choose one picture in each of the three rounds.');
    expect(await server.services.store.db.selectFrom('picture_passwords').select('account_id').where('account_id', '=', id).executeTakeFirst()).toBeUndefined();

    const admin = await accountId('admin');
    const refused = await teacher.get(`${server.url}/staff/students/${admin}/pictures`);
    expect(refused.status).toBe(403);
  });

  test('signing in with pictures into an OIDC app: three shuffled rounds, one verdict, amr pictures in the ID token', async () => {
    const browser = new WebClient({ 'x-forwarded-for': '10.31.0.1' });
    const { page, tokens } = await toPassword(browser, 'S0100001');
    expect(page.html).toContain('Use my pictures');
    let round = await browser.submit('/pictures/start');
    expect(round.html).toContain('Picture 1 of 3');
    expect(round.html).toContain('Use my password');

    for (const [r, id] of ANA.entries()) {
      // The round's nine pictures, each a button named by its text alternative; the form carries no earlier pick.
      expect(shown(round).sort()).toEqual([...PICTURE_ROUNDS[r]].sort());
      expect(round.html).toContain(`Picture ${r + 1} of 3`);
      expect(round.html).toMatch(/<img src="\/assets\/pictures\/[a-z]+\.svg" alt="[A-Z][a-z ]+"/);
      const fields = browser.form('/pictures').fields;
      expect(Object.keys(fields).sort()).toEqual(['_csrf', 'round']);
      round = await browser.submit('/pictures', { picture: id });
    }
    const claims = await tokens();
    expect(claims.amr).toEqual(['pictures']);
    expect(claims.acr).toBe(ACR_SINGLE_FACTOR);
    const [event] = await server.services.audit.recent({ type: 'login.succeeded' });
    expect(event.data).toMatchObject({ method: 'pictures' });
  });

  test('signing in with pictures into a SAML app: the assertion says the unspecified authentication context', async () => {
    const browser = new WebClient({ 'x-forwarded-for': '10.31.0.4' });
    const start = await browser.get(`${sp.url}/login`);
    if (start.html.includes('name="SAMLRequest"')) await browser.submit('/saml/sso');
    await browser.submit('/username', { username: 'S0100001' });
    await browser.submit('/pictures/start');
    await pick(browser, ANA);
    const response = Buffer.from(browser.form(sp.acsUrl).fields.SAMLResponse, 'base64').toString('utf8');
    await browser.submit(sp.acsUrl);
    expect(sp.errors).toEqual([]);
    expect(/<saml:AuthnContextClassRef>([^<]+)<\/saml:AuthnContextClassRef>/.exec(response)![1]).toBe(SAML_UNSPECIFIED);
  });

  test('a wrong sequence says exactly "Authentication Failed", only after the third round; "Use my password" goes back', async () => {
    const browser = new WebClient({ 'x-forwarded-for': '10.31.0.2' });
    await toPassword(browser, 'S0100001');
    await browser.submit('/pictures/start');
    const second = await browser.submit('/pictures', { picture: 'cat' });
    expect(second.status).toBe(200);
    expect(second.html).toContain('Picture 2 of 3');
    expect(browser.alert()).toBeNull();
    await browser.submit('/pictures', { picture: 'banana' });
    const failed = await browser.submit('/pictures', { picture: 'rocket' });
    expect(failed.status).toBe(401);
    expect(browser.alert()).toBe('Authentication Failed');
    expect(failed.html).toContain('Picture 1 of 3');

    // A form of a round already answered (Back, then a pick) counts nothing and shows the round the flow is on.
    const stale = await browser.request(browser.form('/pictures').action, {
      method: 'POST',
      body: new URLSearchParams({ ...browser.form('/pictures').fields, round: '2', picture: 'rocket' }).toString(),
    });
    expect(stale.html).toContain('Picture 1 of 3');

    const password = await browser.submit('/pictures/password');
    expect(password.html).toContain('Enter your password');
    const failures = await server.services.audit.recent({ type: 'login.failed' });
    expect(failures[0].data).toMatchObject({ reason: 'bad_password', method: 'pictures' });
    await server.services.throttle.reset('login:account:s0100001');
  });

  test('the offer of pictures tells nothing about the username: shown for one without pictures and for none at all', async () => {
    const pages: string[] = [];
    for (const username of ['S0100002', 'S0999999']) {
      const browser = new WebClient({ 'x-forwarded-for': '10.31.0.3' });
      const { page } = await toPassword(browser, username);
      expect(page.html).toContain('Use my pictures');
      const rounds = await browser.submit('/pictures/start');
      expect(rounds.html).toContain('Picture 1 of 3');
      pages.push(
        page.html
          .replace(/value="[^"]*"/g, '')
          .replace(/interaction[/=][^"/]+/g, '')
          .replace(username, ''),
      );
    }
    // The two password pages are the same page, but for the form's ids and the username shown.
    expect(pages[0]).toBe(pages[1]);
  });

  test('without a picture grade in the policy, the password page offers no pictures', async () => {
    const { policies } = server.services;
    const before = policies.snapshot()['signIn.pictureGrades'];
    const actor = { id: await accountId('admin'), ip: null };
    await policies.save({ 'signIn.pictureGrades': [] }, actor);
    try {
      const browser = new WebClient({ 'x-forwarded-for': '10.31.0.4' });
      const { page } = await toPassword(browser, 'S0100001');
      expect(page.html).toContain('Enter your password');
      expect(page.html).not.toContain('Use my pictures');
    } finally {
      await policies.save({ 'signIn.pictureGrades': before }, actor);
    }
  });

  test('claiming the account of a picture grade sets the pictures instead of the challenge questions', async () => {
    const browser = new WebClient({ 'x-forwarded-for': '10.32.0.1' });
    await startClaim(browser, server.url, { familyName: 'Côté', givenName: 'Léa', studentId: '100003' });
    const pictures = await browser.submit('/password', { password: 'Lea-Picks-Pictures-26', confirm: 'Lea-Picks-Pictures-26' });
    expect(pictures.url).toMatch(/\/claim\/[A-Za-z0-9_-]+$/);
    expect(pictures.html).toContain('Choose three pictures');
    expect(pictures.html).not.toContain('name="question1"');
    expect(pictures.html.match(/type="radio"/g)).toHaveLength(27);

    const incomplete = await choose(browser, '/pictures', { picture1: 'frog' });
    expect(incomplete.status).toBe(400);
    expect(browser.alert()).toBe('Choose one picture in each of the three rounds.');
    const done = await choose(browser, '/pictures', { picture1: 'frog', picture2: 'pear', picture3: 'star' });
    expect(done.status).toBe(200);
    expect(done.html).not.toContain('Choose three pictures');
    expect(done.html).toContain('practise the three pictures with the child');

    const lea = await accountId('S0100003');
    expect(await server.services.store.db.selectFrom('challenge_answers').select('account_id').where('account_id', '=', lea).execute()).toHaveLength(0);
    const row = await server.services.store.db.selectFrom('picture_passwords').selectAll().where('account_id', '=', lea).executeTakeFirstOrThrow();
    expect(row.set_by).toBeNull();
    expect((await server.services.audit.recent({ type: 'pictures.set' }))[0]).toMatchObject({ subjectId: lea, data: { by: 'claim' } });

    const student = new WebClient({ 'x-forwarded-for': '10.32.0.2' });
    const { tokens } = await toPassword(student, 'S0100003');
    await student.submit('/pictures/start');
    await pick(student, ['frog', 'pear', 'star']);
    expect((await tokens()).amr).toEqual(['pictures']);
  });

  test('all 729 sequences, tried in turn: locked at the limit, the right one then refused too, until the teacher sets them again', async () => {
    const noah = ['frog', 'icecream', 'balloon'];
    await teacherSets('S0100002', noah);
    const browser = new WebClient({ 'x-forwarded-for': '10.33.0.1' });
    await toPassword(browser, 'S0100002');
    await browser.submit('/pictures/start');
    const interaction = browser.page!.url;

    const statuses: number[] = [];
    let signedIn = false;
    for (const first of PICTURE_ROUNDS[0]) {
      for (const second of PICTURE_ROUNDS[1]) {
        for (const third of PICTURE_ROUNDS[2]) {
          if (!browser.page!.html.includes('Picture 1 of 3')) await browser.get(interaction);
          const page = await pick(browser, [first, second, third]);
          statuses.push(page.status);
          if (browser.page!.url.startsWith(callback)) signedIn = true;
          if (page.status === 401) expect(browser.alert()).toBe('Authentication Failed');
        }
      }
    }
    expect(statuses).toHaveLength(729);
    expect(signedIn).toBe(false);
    // The right sequence is the last one tried: by then the account was long locked.
    expect(statuses.slice(0, LIMIT)).toEqual(Array(LIMIT).fill(401));
    expect(new Set(statuses.slice(LIMIT))).toEqual(new Set([429]));
    expect(browser.page!.html).toContain('Too many attempts');

    // The password is refused as well: pictures and password share the lock.
    const withPassword = new WebClient({ 'x-forwarded-for': '10.33.0.2' });
    await toPassword(withPassword, 'S0100002');
    expect((await withPassword.submit('/password', { password: 'Lakeside-Noah-2026' })).status).toBe(429);

    // The teacher, who sees the lock in My students, sets the pictures again: the lock is lifted.
    const teacher = new WebClient({ 'x-forwarded-for': '10.30.0.3' });
    const students = await signIn(teacher, `${server.url}/staff`, 'mrivera', 'Teach-Lakeside-2026');
    expect(students.html).toMatch(/Noah[\s\S]*?Sign-in locked|Sign-in locked[\s\S]*?Noah/);
    await teacherSets('S0100002', noah);
    const again = new WebClient({ 'x-forwarded-for': '10.33.0.3' });
    const { tokens } = await toPassword(again, 'S0100002');
    await again.submit('/pictures/start');
    await pick(again, noah);
    expect((await tokens()).amr).toEqual(['pictures']);
  }, 180_000);
});
