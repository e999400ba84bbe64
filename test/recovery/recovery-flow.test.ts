import * as oidc from 'openid-client';
import { startCaptureServer } from '../helpers/capture-server.js';
import { ENGINES, startTestServer, type TestServer } from '../helpers/server.js';
import { signIn, WebClient } from '../helpers/web-client.js';
import { claimInStore } from '../helpers/claimed.js';
import { authorizationRequest } from '../helpers/authorization.js';

const FIRST_PASSWORD = 'Original-Phrase-77';
const ANSWERS = [
  { questionId: 'firstPet', answer: 'Fluffy' },
  { questionId: 'favoriteFood', answer: 'Poutine Supreme' },
  { questionId: 'birthCity', answer: 'Montréal' },
];

/** Forgot my Password through the real pages: username → answers → new password → done. */
describe.each(ENGINES)('forgot my password (%s)', (engine) => {
  let server: TestServer;
  let counter = 0;
  beforeAll(async () => {
    server = await startTestServer(engine, { overrides: { recovery: { perAccount: { limit: 3, window: '24h' } } } });
  });
  afterAll(() => server.close());

  /** A claimed account with a password and the three answers above. */
  async function claimedStudent(roles: ('student' | 'teacher')[] = ['student']) {
    counter += 1;
    const id = `${500000 + counter}`;
    const username = roles.includes('teacher') ? `teacher${counter}` : `S0${id}`;
    const account = await server.services.accounts.create({ username, givenName: 'Kim', familyName: `Tester${counter}`, studentId: roles.includes('student') ? id : null, roles });
    expect(await claimInStore(server.services, account, FIRST_PASSWORD, ANSWERS)).toBe(true);
    return account;
  }

  async function answersPage(browser: WebClient, username: string, lang?: string) {
    await browser.get(`${server.url}/recover${lang ? `?lang=${lang}` : ''}`);
    return browser.submit('/username', { username });
  }

  const submitAnswers = (browser: WebClient, answers: string[]) => browser.submit('/answers', { answer1: answers[0], answer2: answers[1], answer3: answers[2] });

  const questionsOn = (html: string) => [...html.matchAll(/<label for="answer\d">([^<]+)<\/label>/g)].map((m) => m[1]);

  test('answers typed with other case, accents and spacing work; the new password signs in and the old one does not', async () => {
    const account = await claimedStudent();
    const browser = new WebClient();
    const answers = await answersPage(browser, account.username.toLowerCase());
    expect(questionsOn(answers.html)).toEqual(['What was the name of your first pet?', 'What is your favorite food?', 'In what city or town were you born?']);
    const password = await submitAnswers(browser, ['  FLUFFY ', 'poutine   supreme!', 'Montreal']);
    expect(password.html).toContain('Create a new password');
    const done = await browser.submit('/password', { password: 'Fresh-Start-2026', confirm: 'Fresh-Start-2026' });
    expect(done.html).toContain('Your password has been changed');

    expect((await signIn(new WebClient(), `${server.url}/`, account.username, 'Fresh-Start-2026')).html).toContain('Hello, Kim');
    const old = new WebClient();
    await old.get(`${server.url}/`);
    await old.submit('/username', { username: account.username });
    await old.submit('/password', { password: FIRST_PASSWORD });
    expect(old.alert()).toBe('Authentication Failed');
    expect((await server.services.audit.recent({ type: 'password.reset', subjectId: account.id })).length).toBe(1);
  });

  test('a password this account ever used is refused', async () => {
    const account = await claimedStudent();
    await server.services.accounts.setPassword(account.id, await server.services.hasher.hash('Second-Phrase-88'));
    const browser = new WebClient();
    await answersPage(browser, account.username);
    await submitAnswers(browser, ['fluffy', 'poutine supreme', 'montreal']);
    for (const reused of [FIRST_PASSWORD, 'Second-Phrase-88']) {
      const page = await browser.submit('/password', { password: reused, confirm: reused });
      expect(page.status).toBe(400);
      expect(browser.alert()).toBe('This account has used this password before. Choose a new one.');
    }
  });

  test('the change signs the account out everywhere: provider, portal, and apps by back-channel logout', async () => {
    const account = await claimedStudent();
    const backchannel = await startCaptureServer();
    try {
      // The student is signed in on another device, to the portal and to an app with back-channel logout.
      const other = new WebClient();
      expect((await signIn(other, `${server.url}/`, account.username, FIRST_PASSWORD)).html).toContain('Hello, Kim');
      const callback = 'http://127.0.0.1:9/cb';
      const { client, clientSecret } = await server.services.clients.register({
        name: 'Notes',
        redirectUris: [callback],
        backchannelLogoutUri: `${backchannel.url}/logout`,
        firstParty: true,
      });
      // The capture server is on loopback, so the district lists it as its own network.
      (server.services.config.oidc.privateNetworkHosts as string[]).push('127.0.0.1');
      const config = await oidc.discovery(new URL(server.url), client.clientId, clientSecret!, undefined, { execute: [oidc.allowInsecureRequests] });
      other.stopAt = callback;
      const request = await authorizationRequest(config, callback, { scope: 'openid' });
      const code = await other.get(request.url.href);
      const tokens = await request.redeem(code.url);
      other.stopAt = null;

      const browser = new WebClient();
      await answersPage(browser, account.username);
      await submitAnswers(browser, ['fluffy', 'poutine supreme', 'montreal']);
      await browser.submit('/password', { password: 'After-Reset-Phrase', confirm: 'After-Reset-Phrase' });

      expect((await other.get(`${server.url}/`)).url).toContain('/interaction/');
      await expect(oidc.fetchUserInfo(config, tokens.access_token, account.id)).rejects.toThrow();
      const notice = backchannel.received.find((r) => r.url === '/logout');
      expect(notice).toBeDefined();
      expect(new URLSearchParams(notice!.body).get('logout_token')).toBeTruthy();
    } finally {
      (server.services.config.oidc.privateNetworkHosts as string[]).pop();
      await backchannel.close();
    }
  });

  test('no oracle: unknown, unclaimed and real usernames look the same and fail the same', async () => {
    const real = await claimedStudent();
    const tries = [real.username, 'S0999998', 'S0100003', 'nobody.here'];
    const outcomes: { questions: string[]; status: number; alert: string | null }[] = [];
    for (const username of tries) {
      const browser = new WebClient({ 'x-forwarded-for': `198.51.100.${outcomes.length + 10}` });
      const page = await answersPage(browser, username);
      expect(page.status).toBe(200);
      const questions = questionsOn(page.html);
      expect(questions).toHaveLength(3);
      expect(new Set(questions).size).toBe(3);
      const failed = await submitAnswers(browser, ['wrong one', 'wrong two', 'wrong three']);
      outcomes.push({ questions, status: failed.status, alert: browser.alert() });
    }
    for (const outcome of outcomes) {
      expect(outcome.status).toBe(400);
      expect(outcome.alert).toBe('One or more answers are not correct.');
    }
    // Asking again for an unknown username shows the same three questions.
    const again = await answersPage(new WebClient(), 'S0999998');
    expect(questionsOn(again.html)).toEqual(outcomes[1].questions);
    const other = await answersPage(new WebClient(), 'S0999997');
    expect(questionsOn(other.html)).toHaveLength(3);
  });

  test('decoys keep drawing on the questions real accounts chose, even after the district changes its pool', async () => {
    await claimedStudent();
    const before = server.services.config.claim.questions;
    await server.services.policies.save(
      {
        'claim.questions': [
          { id: 'custom-a', text: { en: 'Custom question A?', fr: 'Question A ?' } },
          { id: 'custom-b', text: { en: 'Custom question B?', fr: 'Question B ?' } },
          { id: 'custom-c', text: { en: 'Custom question C?', fr: 'Question C ?' } },
        ],
      },
      { id: 'test', ip: null },
    );
    try {
      const seen = new Set<string>();
      for (let i = 0; i < 20; i += 1) {
        for (const q of questionsOn((await answersPage(new WebClient(), `nobody-${i}-x`)).html)) seen.add(q);
      }
      expect(seen.has('What was the name of your first pet?') || seen.has('What is your favorite food?') || seen.has('In what city or town were you born?')).toBe(true);
    } finally {
      await server.services.policies.save({ 'claim.questions': before }, { id: 'test', ip: null });
    }
  });

  test('after 3 wrong answer sets recovery is locked for the account (even with the right answers), and says whom to contact', async () => {
    const account = await claimedStudent();
    for (let i = 0; i < 3; i += 1) {
      const browser = new WebClient({ 'x-forwarded-for': `192.0.2.${i + 1}` });
      await answersPage(browser, account.username);
      expect((await submitAnswers(browser, ['a wrong', 'b wrong', 'c wrong'])).status).toBe(400);
    }
    const browser = new WebClient({ 'x-forwarded-for': '192.0.2.200' });
    await answersPage(browser, account.username, 'fr');
    const locked = await submitAnswers(browser, ['fluffy', 'poutine supreme', 'montreal']);
    expect(locked.status).toBe(429);
    expect(locked.html).toContain('veuillez contacter l&#39;enseignant de l&#39;élève');
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(3600);
    expect((await server.services.audit.recent({ type: 'recovery.locked', subjectId: account.id })).length).toBeGreaterThan(0);
    // The lock is on recovery only: the current password still signs in.
    expect((await signIn(new WebClient(), `${server.url}/`, account.username, FIRST_PASSWORD)).html).toContain('Hello, Kim');
  });

  test('a nonexistent username locks the same way', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i += 1) {
      const browser = new WebClient({ 'x-forwarded-for': `192.0.2.${50 + i}` });
      await answersPage(browser, 'ghost.user');
      statuses.push((await submitAnswers(browser, ['x wrong', 'y wrong', 'z wrong'])).status);
    }
    expect(statuses).toEqual([400, 400, 400, 429]);
  });

  test('staff use the same flow', async () => {
    const teacher = await claimedStudent(['teacher']);
    const browser = new WebClient();
    await answersPage(browser, teacher.username);
    await submitAnswers(browser, ['Fluffy', 'Poutine Supreme', 'Montréal']);
    const done = await browser.submit('/password', { password: 'Staff-New-Phrase-1', confirm: 'Staff-New-Phrase-1' });
    expect(done.html).toContain('Your password has been changed');
  });

  test('Back and Reload land on the current step; the password changes only at the last step', async () => {
    const account = await claimedStudent();
    const hashBefore = (await server.services.accounts.findById(account.id))!.passwordHash;
    expect(hashBefore).toBeTruthy();
    const browser = new WebClient();
    const start = await browser.get(`${server.url}/recover`);
    const usernameForm = browser.form('/username');
    await browser.submit('/username', { username: account.username });
    expect((await browser.get(start.url)).html).toContain('Answer your challenge questions');
    const resent = await browser.request(usernameForm.action, { method: 'POST', body: new URLSearchParams({ ...usernameForm.fields, username: 'someone.else' }).toString() });
    expect(resent.html).toContain(`For the account ${account.username}.`);
    await submitAnswers(browser, ['fluffy', 'poutine supreme', 'montreal']);
    expect((await browser.get(start.url)).html).toContain('Create a new password');
    expect((await server.services.accounts.findById(account.id))!.passwordHash).toBe(hashBefore);
    expect((await signIn(new WebClient(), `${server.url}/`, account.username, FIRST_PASSWORD)).html).toContain('Hello, Kim');
  });

  test('from the sign-in page, the reset continues to the sign-in with the username filled in', async () => {
    const account = await claimedStudent();
    const browser = new WebClient();
    const login = await browser.get(`${server.url}/`);
    const link = /href="(\/recover\?interaction=[^"]+)"/.exec(login.html)![1];
    await browser.get(`${server.url}${link}`);
    await browser.submit('/username', { username: account.username });
    await submitAnswers(browser, ['fluffy', 'poutine supreme', 'montreal']);
    const done = await browser.submit('/password', { password: 'Continue-Phrase-9', confirm: 'Continue-Phrase-9' });
    const next = await browser.get(`${server.url}${/href="(\/recover\/[^"]+\/continue)"/.exec(done.html)![1]}`);
    expect(next.html).toContain(`<strong class="username">${account.username}</strong>`);
    expect((await browser.submit('/password', { password: 'Continue-Phrase-9' })).html).toContain('Hello, Kim');
  });
});
