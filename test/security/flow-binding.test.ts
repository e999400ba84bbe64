import { ENGINES, startTestServer, type TestServer } from '../helpers/server.js';
import { WebClient } from '../helpers/web-client.js';
import { claimInStore, questionsForm } from '../helpers/claimed.js';

const PASSWORD = 'Purple-Otter-Lakes-42';

/**
 * Finding 5 of the outside test, the way it was found: the address of a claim or recovery page, read from a shared
 * device's history (or copied) by someone in another browser during the flow's hour.
 */
describe.each(ENGINES)('claim and recovery pages work only in the browser that started them (%s)', (engine) => {
  let server: TestServer;
  let counter = 0;
  beforeAll(async () => {
    server = await startTestServer(engine);
  }, 60_000);
  afterAll(() => server.close());

  async function unclaimedStudent() {
    counter += 1;
    const studentId = `${310000 + counter}`;
    return server.services.accounts.create({ username: `S0${studentId}`, givenName: 'Zoé', familyName: `Binder${counter}`, studentId, roles: ['student'] });
  }

  /** Someone else's browser posting to the flow with a form token of its own (it loaded a claim page itself). */
  async function postAsOther(other: WebClient, url: string, fields: Record<string, string>) {
    await other.get(`${server.url}/claim`);
    const token = other.form('/identify').fields._csrf;
    return other.request(url, { method: 'POST', body: new URLSearchParams({ _csrf: token, ...fields }).toString() });
  }

  const otherBrowserEvents = async () => (await server.services.audit.recent({ type: 'flow.other_browser', limit: 1000 })).length;

  test('claim: another browser can neither read the flow nor set the password or the answers', async () => {
    const student = await unclaimedStudent();
    const family = new WebClient();
    await family.get(`${server.url}/claim`);
    const passwordStep = await family.submit('/identify', { familyName: student.familyName, givenName: 'Zoé', studentId: student.studentId! });
    expect(passwordStep.html).toContain(`For the account ${student.username}.`);
    const flowUrl = passwordStep.url;
    const before = await otherBrowserEvents();

    const other = new WebClient();
    const seen = await other.get(flowUrl);
    expect(seen.status).toBe(410);
    expect(seen.html).toContain('This page has expired. Please start again.');
    expect(seen.html).not.toContain(student.username);
    expect(seen.html).not.toContain('Zoé');
    for (const [step, fields] of [
      ['password', { password: PASSWORD, confirm: PASSWORD }],
      ['questions', { question1: 'firstPet', answer1: 'Rex', question2: 'favoriteFood', answer2: 'Tacos', question3: 'birthCity', answer3: 'Laval' }],
    ] as const) {
      const refused = await postAsOther(other, `${flowUrl}/${step}`, fields);
      expect(refused.status).toBe(410);
    }
    expect((await server.services.accounts.findById(student.id))!.passwordHash).toBeNull();
    expect(await otherBrowserEvents()).toBe(before + 3);

    // The family's own browser carries on where it was, and finishes.
    expect((await family.get(flowUrl)).html).toContain(`For the account ${student.username}.`);
    await family.submit('/password', { password: PASSWORD, confirm: PASSWORD });
    const done = await family.submit('/questions', questionsForm());
    expect(done.html).toContain('The account is ready');
    expect((await server.services.accounts.findById(student.id))!.passwordHash).not.toBeNull();

    // Completed, the flow stays only for its done page (Back and Reload in the family's browser), and not in others.
    const id = flowUrl.split('/').pop()!;
    const row = await server.services.store.db.selectFrom('flows').select(['step', 'expires_at']).where('id', '=', id).executeTakeFirstOrThrow();
    expect(row.step).toBe('done');
    expect(Number(row.expires_at)).toBeLessThanOrEqual(Date.now() + 10 * 60 * 1000);
    expect((await family.get(flowUrl)).html).toContain('The account is ready');
    expect((await other.get(flowUrl)).status).toBe(410);
  });

  test('recovery: another browser can neither see the questions nor answer them or set the password', async () => {
    counter += 1;
    const account = await server.services.accounts.create({
      username: `S0${320000 + counter}`,
      givenName: 'Kim',
      familyName: 'Recover',
      studentId: `${320000 + counter}`,
      roles: ['student'],
    });
    await claimInStore(server.services, account, 'Original-Phrase-77');

    const family = new WebClient();
    await family.get(`${server.url}/recover`);
    const answers = await family.submit('/username', { username: account.username });
    expect(answers.html).toContain('What was the name of your first pet?');
    const flowUrl = answers.url;

    const other = new WebClient();
    const seen = await other.get(flowUrl);
    expect(seen.status).toBe(410);
    expect(seen.html).not.toContain('first pet');
    expect((await postAsOther(other, `${flowUrl}/answers`, { answer1: 'Fluffy', answer2: 'Poutine', answer3: 'Montréal' })).status).toBe(410);
    // Not even counted as a wrong answer set against the account.
    expect(
      await server.services.store.db.selectFrom('throttle_counters').select('count').where('key', '=', `recovery:account:${account.username.toLowerCase()}`).executeTakeFirst(),
    ).toBeUndefined();

    await family.submit('/answers', { answer1: 'fluffy', answer2: 'poutine', answer3: 'montreal' });
    expect((await postAsOther(other, `${flowUrl}/password`, { password: 'Stolen-Account-2026', confirm: 'Stolen-Account-2026' })).status).toBe(410);
    expect(await server.services.hasher.verify((await server.services.accounts.findById(account.id))!.passwordHash!, 'Original-Phrase-77')).toBe(true);

    const done = await family.submit('/password', { password: 'Fresh-Start-2026', confirm: 'Fresh-Start-2026' });
    expect(done.html).toContain('Your password has been changed');
  });

  test('two flows in one browser (two children, two tabs) each work', async () => {
    const [first, second] = [await unclaimedStudent(), await unclaimedStudent()];
    const parent = new WebClient();
    const tabs = [];
    for (const student of [first, second]) {
      await parent.get(`${server.url}/claim`);
      tabs.push((await parent.submit('/identify', { familyName: student.familyName, givenName: 'Zoé', studentId: student.studentId! })).url);
    }
    expect((await parent.get(tabs[0])).html).toContain(`For the account ${first.username}.`);
    expect((await parent.get(tabs[1])).html).toContain(`For the account ${second.username}.`);
  });
});
