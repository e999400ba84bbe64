import { ENGINES, startTestServer, type TestServer } from '../helpers/server.js';
import { signIn, WebClient, type Page } from '../helpers/web-client.js';

const GOOD_PASSWORD = 'Purple-Otter-Lakes-42';

/** Claim my Account through the real pages: identify → password → questions → done. */
describe.each(ENGINES)('claim my account (%s)', (engine) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(engine, { overrides: { claim: { perStudent: { limit: 4, window: '1h' } } } });
  });
  afterAll(() => server.close());

  async function addStudent(studentId: string, givenName: string, familyName: string, extra: { claimableAt?: number; disabled?: boolean } = {}) {
    const account = await server.services.accounts.create({ username: `S0${studentId}`, givenName, familyName, studentId, roles: ['student'] });
    const changes: Record<string, unknown> = {};
    if (extra.claimableAt !== undefined) changes.claimable_at = extra.claimableAt;
    if (extra.disabled) changes.status = 'disabled';
    if (Object.keys(changes).length) await server.services.store.db.updateTable('accounts').set(changes).where('id', '=', account.id).execute();
    return account;
  }

  async function startClaim(browser: WebClient, lang?: string): Promise<Page> {
    const page = await browser.get(`${server.url}/claim${lang ? `?lang=${lang}` : ''}`);
    expect(page.url).toMatch(/\/claim\/[A-Za-z0-9_-]+$/);
    return page;
  }

  const identify = (browser: WebClient, familyName: string, givenName: string, studentId: string) => browser.submit('/identify', { familyName, givenName, studentId });
  const choose = (browser: WebClient, password: string, confirm = password) => browser.submit('/password', { password, confirm });
  const answer = (browser: WebClient, values: Record<string, string> = {}) =>
    browser.submit('/questions', {
      question1: 'firstPet',
      answer1: 'Fluffy',
      question2: 'favoriteFood',
      answer2: 'Poutine',
      question3: 'birthCity',
      answer3: 'Montréal',
      ...values,
    });

  test('before claiming, login says "Authentication Failed"; after the claim, the new password signs in', async () => {
    await addStudent('200001', 'Zoé', 'D’Arcy-Nguyễn');
    const before = new WebClient();
    await before.get(`${server.url}/`);
    await before.submit('/username', { username: 'S0200001' });
    await before.submit('/password', { password: GOOD_PASSWORD });
    expect(before.alert()).toBe('Authentication Failed');

    const browser = new WebClient();
    await startClaim(browser);
    // What families actually type: other case, no accents, a straight apostrophe, extra spaces, the S0 prefix.
    const passwordStep = await identify(browser, "  d'arcy-nguyen ", 'ZOE', 'S0200001');
    expect(passwordStep.status).toBe(200);
    expect(passwordStep.html).toContain('For the account S0200001.');
    const questions = await choose(browser, GOOD_PASSWORD);
    expect(questions.html).toContain('Choose three challenge questions');
    const done = await answer(browser);
    expect(done.html).toContain('The account is ready');
    expect(done.html).toContain('<strong class="username">S0200001</strong>');

    const portal = await signIn(new WebClient(), `${server.url}/`, 'S0200001', GOOD_PASSWORD);
    expect(portal.html).toContain('Hello, Zoé');

    const stored = await server.services.claims.answers((await server.services.accounts.findByUsername('S0200001'))!.id);
    expect(stored.map((a) => a.questionId)).toEqual(['firstPet', 'favoriteFood', 'birthCity']);
    expect(JSON.stringify(stored)).not.toMatch(/fluffy|poutine|montr/i);
    const audit = await server.services.audit.recent({ type: 'account.claimed' });
    expect(audit.length).toBeGreaterThan(0);
  });

  test('each password rule explains itself, in the user’s language', async () => {
    await addStudent('200002', 'Élodie', 'Marchand');
    const browser = new WebClient();
    await startClaim(browser, 'fr');
    await identify(browser, 'Marchand', 'Elodie', '200002');
    const cases: [string, string, string][] = [
      ['court', 'court', 'au moins 8 caractères'],
      ['Quelque-Chose-99', 'Quelque-Chose-98', 'ne sont pas identiques'],
      ['password123', 'password123', 'plus courants'],
      ['Elodie2026!', 'Elodie2026!', 'ni votre nom'],
      ['x'.repeat(129), 'x'.repeat(129), 'au plus 128 caractères'],
    ];
    for (const [password, confirm, message] of cases) {
      const page = await choose(browser, password, confirm);
      expect(page.status).toBe(400);
      expect(browser.alert()).toContain(message);
      // A password is never sent back in the page.
      expect(page.html).not.toContain(`value="${password}"`);
    }
    // Any characters count, including spaces and emoji; a long passphrase is fine.
    const ok = await choose(browser, 'ma 🦊 aime la pluie', 'ma 🦊 aime la pluie');
    expect(ok.html).toContain('Choisir trois questions de rappel');
  });

  test('challenge answers: exactly three different questions, real answers', async () => {
    await addStudent('200003', 'Kenji', '山田');
    const browser = new WebClient();
    await startClaim(browser);
    await identify(browser, '山田', 'Kenji', '200003');
    await choose(browser, GOOD_PASSWORD);
    const cases: [Record<string, string>, string][] = [
      [{ question3: '' }, 'for each of the three'],
      [{ question2: 'firstPet' }, 'three different questions'],
      [{ question1: 'mothersMaidenName' }, 'from the list'],
      [{ answer2: 'ab' }, 'at least 3 characters'],
      [{ answer3: ' fluffy!! ' }, 'different answer'],
      [{ answer1: 's0200003' }, 'cannot be the username'],
    ];
    for (const [values, message] of cases) {
      const page = await answer(browser, values);
      expect(page.status).toBe(400);
      expect(browser.alert()).toContain(message);
    }
    expect((await answer(browser)).html).toContain('The account is ready');
  });

  test('any mismatch shows exactly "The Claim Account Operation Failed." and changes nothing', async () => {
    await addStudent('200004', 'Mia', 'Kowalski');
    await addStudent('200005', 'Leo', 'Withdrawn', { disabled: true });
    const attempts: [string, string, string][] = [
      ['Kowalski', 'Mia', '299999'],
      ['Kowalska', 'Mia', '200004'],
      ['Kowalski', 'Maya', '200004'],
      ['Withdrawn', 'Leo', '200005'],
      ['Kowalski', 'Mia', 'S0'],
    ];
    const pages: string[] = [];
    for (const [family, given, id] of attempts) {
      const browser = new WebClient({ 'x-forwarded-for': '198.51.100.7' });
      await startClaim(browser);
      const page = await identify(browser, family, given, id);
      expect(page.status).toBe(400);
      expect(browser.alert()).toBe('The Claim Account Operation Failed.');
      pages.push(page.html.replace(/value="[^"]*"/g, 'value=""').replace(/\/claim\/[A-Za-z0-9_-]{10,}/g, '/claim/ID'));
    }
    for (const page of pages.slice(1)) expect(page).toBe(pages[0]);
    const mia = await server.services.accounts.findByUsername('S0200004');
    expect(mia!.passwordHash).toBeNull();
    const failures = await server.services.audit.recent({ type: 'claim.failed' });
    expect(failures.map((f) => f.data.reason)).toEqual(expect.arrayContaining(['unknown_id', 'names_mismatch', 'disabled']));
  });

  test('a refusal is shown after a redirect: Reload shows the step again without re-sending or re-counting', async () => {
    await addStudent('200011', 'Ravi', 'Patel');
    const browser = new WebClient({ 'x-forwarded-for': '198.51.100.99' });
    const start = await startClaim(browser);
    const refused = await identify(browser, 'Patel', 'Raj', '200011');
    expect(refused.url).toBe(start.url);
    expect(refused.status).toBe(400);
    expect(browser.alert()).toBe('The Claim Account Operation Failed.');
    expect(refused.html).toContain('value="Patel"');
    const counted = (await server.services.audit.recent({ type: 'claim.failed', limit: 500 })).length;
    const reloaded = await browser.get(start.url);
    expect(reloaded.status).toBe(200);
    expect(browser.alert()).toBeNull();
    expect((await server.services.audit.recent({ type: 'claim.failed', limit: 500 })).length).toBe(counted);
  });

  test('exact matching, when configured, forgives only invisible differences', async () => {
    const exact = await startTestServer(engine, { overrides: { claim: { nameMatch: 'exact' } } });
    try {
      await exact.services.accounts.create({ username: 'S0300001', givenName: 'José', familyName: 'Núñez', studentId: '300001', roles: ['student'] });
      const loose = new WebClient();
      await loose.get(`${exact.url}/claim`);
      await loose.submit('/identify', { familyName: 'Nunez', givenName: 'Jose', studentId: '300001' });
      expect(loose.alert()).toBe('The Claim Account Operation Failed.');
      const precise = new WebClient();
      await precise.get(`${exact.url}/claim`);
      const page = await precise.submit('/identify', { familyName: ' Núñez ', givenName: 'José', studentId: '300001' });
      expect(page.html).toContain('For the account S0300001.');
    } finally {
      await exact.close();
    }
  });

  test('inside the claim window the page says when; a claimed account gives its username', async () => {
    const when = Date.UTC(2030, 7, 10, 13, 30);
    await addStudent('200006', 'Ava', 'Early', { claimableAt: when });
    const browser = new WebClient();
    await startClaim(browser);
    const early = await identify(browser, 'Early', 'Ava', '200006');
    expect(early.status).toBe(409);
    expect(browser.alert()).toBe('This account is not ready yet. It can be claimed after Saturday, August 10, 2030 at 1:30 PM.');

    await startClaim(browser);
    const claimed = await identify(browser, 'García', 'Ana', '100001');
    expect(claimed.status).toBe(409);
    expect(browser.alert()).toContain('already been claimed. The username is S0100001.');
  });

  test('Back and Reload land on the current step; a stale form is ignored', async () => {
    await addStudent('200007', 'Omar', 'Haddad');
    const browser = new WebClient();
    const start = await startClaim(browser);
    const identifyForm = browser.form('/identify');
    await identify(browser, 'Haddad', 'Omar', '200007');
    // Back to the first page, then Reload: the flow is on the password step.
    expect((await browser.get(start.url)).html).toContain('Create a password');
    // Re-sending the old identify form (Back + Next) does not restart or change anything.
    const resent = await browser.request(identifyForm.action, {
      method: 'POST',
      body: new URLSearchParams({ ...identifyForm.fields, familyName: 'Other', givenName: 'Person', studentId: '1' }).toString(),
    });
    expect(resent.url).toBe(start.url);
    expect(resent.html).toContain('Create a password');
    await choose(browser, GOOD_PASSWORD);
    expect((await browser.get(start.url)).html).toContain('Choose three challenge questions');
    await answer(browser);
    // After the end, Back shows the end again, never a form that could re-run the claim.
    expect((await browser.get(start.url)).html).toContain('The account is ready');
  });

  test('a server restart mid-flow keeps the step', async () => {
    const own = await startTestServer(engine);
    const database = own.database;
    const browser = new WebClient();
    let flowUrl: string;
    try {
      await own.services.accounts.create({ username: 'S0400001', givenName: 'Ines', familyName: 'Ferreira', studentId: '400001', roles: ['student'] });
      flowUrl = (await browser.get(`${own.url}/claim`)).url;
      await browser.submit('/identify', { familyName: 'Ferreira', givenName: 'Ines', studentId: '400001' });
    } finally {
      await own.services.store.close();
      own.server.closeAllConnections();
      await new Promise<void>((resolve) => own.server.close(() => resolve()));
    }
    const port = Number(new URL(own.url).port);
    const again = await startTestServer(engine, { database, port });
    try {
      const page = await browser.get(flowUrl!);
      expect(page.html).toContain('Create a password');
      await browser.submit('/password', { password: GOOD_PASSWORD, confirm: GOOD_PASSWORD });
      const done = await browser.submit('/questions', {
        question1: 'firstPet',
        answer1: 'Rex',
        question2: 'favoriteFood',
        answer2: 'Tacos',
        question3: 'dreamJob',
        answer3: 'Pilot',
      });
      expect(done.html).toContain('The account is ready');
    } finally {
      await again.close();
      await database.drop();
    }
  });

  test('two tabs finishing at once: exactly one claim wins, the other is told it is already claimed', async () => {
    await addStudent('200008', 'Sara', 'Lindqvist');
    const tabs = [new WebClient(), new WebClient()];
    for (const [i, tab] of tabs.entries()) {
      await startClaim(tab);
      await identify(tab, 'Lindqvist', 'Sara', '200008');
      await choose(tab, `${GOOD_PASSWORD}-${i}`);
    }
    const pages = await Promise.all(tabs.map((tab) => answer(tab)));
    const won = pages.filter((p) => p.html.includes('The account is ready'));
    const lost = pages.filter((p) => p.status === 409);
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(lost[0].html).toContain('already been claimed. The username is S0200008.');
    const winner = pages.indexOf(won[0]);
    expect((await signIn(new WebClient(), `${server.url}/`, 'S0200008', `${GOOD_PASSWORD}-${winner}`)).html).toContain('Hello, Sara');
    const loser = new WebClient();
    await loser.get(`${server.url}/`);
    await loser.submit('/username', { username: 'S0200008' });
    await loser.submit('/password', { password: `${GOOD_PASSWORD}-${1 - winner}` });
    expect(loser.alert()).toBe('Authentication Failed');
  });

  test('guessing is throttled per student ID with a translated 429 that says how long to wait', async () => {
    await addStudent('200009', 'Nora', 'Target');
    for (let i = 0; i < 4; i += 1) {
      const browser = new WebClient({ 'x-forwarded-for': `203.0.113.${i}` });
      await startClaim(browser);
      expect((await identify(browser, 'Wrong', `Guess${i}`, '200009')).status).toBe(400);
    }
    const browser = new WebClient();
    await startClaim(browser, 'fr');
    const blocked = await identify(browser, 'Target', 'Nora', '200009');
    expect(blocked.status).toBe(429);
    expect(blocked.html).toContain('Trop de tentatives. Veuillez réessayer dans 60 minutes.');
    expect((await server.services.audit.recent({ type: 'claim.throttled' })).length).toBeGreaterThan(0);
  });

  test('an unknown or expired flow restarts cleanly with a message', async () => {
    const browser = new WebClient();
    const page = await browser.get(`${server.url}/claim/not-a-real-flow-id-123`);
    expect(page.status).toBe(410);
    expect(page.html).toContain('This page has expired. Please start again.');
    const start = await startClaim(browser);
    const id = start.url.split('/').pop()!;
    await server.services.store.db
      .updateTable('flows')
      .set({ expires_at: Date.now() - 1 })
      .where('id', '=', id)
      .execute();
    const expired = await identify(browser, 'A', 'B', '1');
    expect(expired.status).toBe(410);
    expect(expired.html).toContain('This page has expired');
  });

  test('claiming from the sign-in page continues to the sign-in, on the password step, then to the portal', async () => {
    await addStudent('200010', 'Tomás', 'Ortega');
    const browser = new WebClient();
    const login = await browser.get(`${server.url}/`);
    const link = /href="(\/claim\?interaction=[^"]+)"/.exec(login.html)![1].replace(/&amp;/g, '&');
    await browser.get(`${server.url}${link}`);
    await identify(browser, 'Ortega', 'Tomas', '200010');
    await choose(browser, GOOD_PASSWORD);
    const done = await answer(browser);
    expect(done.html).toContain('Continue');
    const continued = await browser.get(`${server.url}${/href="(\/claim\/[^"]+\/continue)"/.exec(done.html)![1]}`);
    expect(continued.url).toContain('/interaction/');
    expect(continued.html).toContain('<strong class="username">S0200010</strong>');
    const portal = await browser.submit('/password', { password: GOOD_PASSWORD });
    expect(portal.html).toContain('Hello, Tomás');
  });
});
