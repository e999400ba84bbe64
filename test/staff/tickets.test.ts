import { ENGINES, startTestServer, type TestServer } from '../helpers/server.js';
import { signIn, WebClient } from '../helpers/web-client.js';

const today = () => new Date().toISOString().slice(0, 10);
const shift = (days: number) => new Date(Date.now() + days * 86400_000).toISOString().slice(0, 10);

/** Teachers' class lists and reset tickets, the help desk's queue, and the re-claim that follows. */
describe.each(ENGINES)('teachers and the help desk (%s)', (engine) => {
  let server: TestServer;
  const admin = { id: 'test', ip: null };

  beforeAll(async () => {
    server = await startTestServer(engine);
    const hash = await server.services.hasher.hash('Music-Teacher-2026');
    const nakamura = await server.services.accounts.findByUsername('knakamura');
    await server.services.accounts.setPassword(nakamura!.id, hash);
    const desk = await server.services.accounts.create({
      username: 'deskpat',
      givenName: 'Pat',
      familyName: 'Lee',
      roles: ['helpdesk'],
      passwordHash: await server.services.hasher.hash('Help-Desk-Phrase-1'),
    });
    expect(desk.roles).toEqual(['helpdesk']);
  });
  afterAll(() => server.close());

  const teacher = () => signIn(new WebClient(), `${server.url}/staff`, 'mrivera', 'Teach-Lakeside-2026').then(() => undefined);
  async function as(username: string, password: string) {
    const browser = new WebClient();
    await signIn(browser, `${server.url}/staff`, username, password);
    return browser;
  }
  const rivera = () => as('mrivera', 'Teach-Lakeside-2026');
  const desk = () => as('deskpat', 'Help-Desk-Phrase-1');
  const idOf = async (username: string) => (await server.services.accounts.findByUsername(username))!.id;

  async function requestReset(browser: WebClient, username: string, reason = 'Forgot the challenge answers') {
    const form = await browser.get(`${server.url}/staff/students/${await idOf(username)}/reset`);
    expect(form.status).toBe(200);
    return browser.submit('/staff/tickets', { reason });
  }

  test('My students lists only the teacher’s classes, with claim and sign-in status, and a not-ready filter', async () => {
    void teacher;
    // Ana has signed in once (ready); Léa has not even claimed her account (not ready).
    await signIn(new WebClient(), `${server.url}/`, 'S0100001', 'Lakeside-Ana-2026');
    const browser = await rivera();
    const page = await browser.get(`${server.url}/staff`);
    expect(page.status).toBe(200);
    expect(page.html).toContain('5th Grade Homeroom – Ms Rivera');
    expect(page.html).toContain('4th Grade Science – Ms Rivera');
    expect(page.html).not.toContain('Music, Grades 4–5');
    expect(page.html).toContain('García, Ana');
    expect(page.html).toMatch(/6 students · 2 claimed · \d signed in at least once · \d not ready/);
    const notReady = await browser.get(`${server.url}/staff?filter=not-ready`);
    expect(notReady.html).toContain('Côté, Léa');
    expect(notReady.html).not.toContain('<th scope="row">García, Ana</th>');
    expect(page.html).toContain('<th scope="row">García, Ana</th>');
  });

  test('students and pages outside the teacher’s classes are refused (403), and nothing changes', async () => {
    const music = await as('knakamura', 'Music-Teacher-2026');
    // Jean-Luc (100006) is only in Ms Rivera's homeroom.
    const jeanLuc = await idOf('S0100006');
    expect((await music.get(`${server.url}/staff/students/${jeanLuc}/reset`)).status).toBe(403);
    const csrf = (await music.get(`${server.url}/staff`), music.form('/logout').fields._csrf);
    const forged = await music.request(`${server.url}/staff/tickets`, { method: 'POST', body: new URLSearchParams({ _csrf: csrf, student: jeanLuc, reason: 'x' }).toString() });
    expect(forged.status).toBe(403);
    expect(forged.html).toContain('This student is not in one of your classes.');
    const student = await as('S0100001', 'Lakeside-Ana-2026');
    expect((await student.get(`${server.url}/staff`)).status).toBe(403);
    expect((await student.get(`${server.url}/helpdesk`)).status).toBe(403);
    expect((await music.get(`${server.url}/helpdesk`)).status).toBe(403);
    const tickets = await server.services.store.db.selectFrom('reset_tickets').selectAll().where('account_id', '=', jeanLuc).execute();
    expect(tickets).toHaveLength(0);
  });

  test('one open ticket per student; the help desk approves; the old password fails, the claim works, old passwords stay forbidden', async () => {
    const browser = await rivera();
    const ticketPage = await requestReset(browser, 'S0100002');
    expect(ticketPage.html).toContain('Waiting for the help desk');
    const again = await requestReset(browser, 'S0100002');
    expect(again.status).toBe(409);
    expect(again.html).toContain('already has an open reset request');

    const helpdesk = await desk();
    const queue = await helpdesk.get(`${server.url}/helpdesk`);
    expect(queue.html).toContain('Noah Tremblay');
    expect(queue.html).toContain('María Rivera');
    expect(queue.html).toContain('Lakeside Elementary School');
    const id = /name="ticket" value="([^"]+)"/.exec(queue.html)![1];
    const body = new URLSearchParams({ _csrf: helpdesk.form('/helpdesk/approve').fields._csrf });
    body.append('ticket', id);
    const done = await helpdesk.request(`${server.url}/helpdesk/approve`, { method: 'POST', body: body.toString() });
    expect(done.html).toContain('1 approved, 0 no longer open.');

    const old = new WebClient();
    await old.get(`${server.url}/`);
    await old.submit('/username', { username: 'S0100002' });
    await old.submit('/password', { password: 'Lakeside-Noah-2026' });
    expect(old.alert()).toBe('Authentication Failed');

    const ticket = await browser.get(`${server.url}/staff/tickets/${id}`);
    expect(ticket.html).toContain('Account reset');
    // The re-claim sheet itself (a PDF in the family's language) is tested in test/letters/reclaim.test.ts.
    expect(ticket.html).toContain(`<form method="get" action="/staff/tickets/${id}/sheet"`);

    const family = new WebClient();
    await family.get(`${server.url}/claim`);
    await family.submit('/identify', { familyName: 'Tremblay', givenName: 'Noah', studentId: '100002' });
    const reused = await family.submit('/password', { password: 'Lakeside-Noah-2026', confirm: 'Lakeside-Noah-2026' });
    expect(family.alert()).toBe('This account has used this password before. Choose a new one.');
    expect(reused.status).toBe(400);
    await family.submit('/password', { password: 'Noah-Fresh-Start-9', confirm: 'Noah-Fresh-Start-9' });
    const claimed = await family.submit('/questions', {
      question1: 'dreamJob',
      answer1: 'Astronaut',
      question2: 'favoriteSport',
      answer2: 'Hockey',
      question3: 'bestFriend',
      answer3: 'Ana',
    });
    expect(claimed.html).toContain('The account is ready');
    expect((await signIn(new WebClient(), `${server.url}/`, 'S0100002', 'Noah-Fresh-Start-9')).html).toContain('Hello, Noah');
    expect((await server.services.audit.recent({ type: 'account.reset', subjectId: await idOf('S0100002') }))[0].actorId).toBe(await idOf('deskpat'));
  });

  test('rejecting leaves the account unchanged and tells the teacher', async () => {
    const browser = await rivera();
    await requestReset(browser, 'S0100001', 'Family asked');
    const helpdesk = await desk();
    const queue = await helpdesk.get(`${server.url}/helpdesk`);
    const id = /action="\/helpdesk\/tickets\/([^/]+)\/reject"/.exec(queue.html)![1];
    await helpdesk.submit(`/helpdesk/tickets/${id}/reject`, { note: 'Please call the family first' });
    expect((await signIn(new WebClient(), `${server.url}/`, 'S0100001', 'Lakeside-Ana-2026')).html).toContain('Hello, Ana');
    const ticket = await browser.get(`${server.url}/staff/tickets/${id}`);
    expect(ticket.html).toContain('Rejected');
    expect(ticket.html).toContain('Please call the family first');
    expect((await browser.get(`${server.url}/staff/tickets/${id}/sheet`)).status).toBe(403);
  });

  test('outside the ticket window the page says when it opens, or that it closed; nothing is created', async () => {
    await server.services.policies.save({ 'tickets.window': { start: shift(3), end: shift(10) } }, admin);
    try {
      const browser = await rivera();
      const page = await browser.get(`${server.url}/staff/students/${await idOf('S0100005')}/reset`);
      expect(page.html).toContain('Reset requests can be sent from');
      const csrf = (await browser.get(`${server.url}/staff`), browser.form('/logout').fields._csrf);
      const refused = await browser.request(`${server.url}/staff/tickets`, {
        method: 'POST',
        body: new URLSearchParams({ _csrf: csrf, student: await idOf('S0100005'), reason: 'x' }).toString(),
      });
      expect(refused.status).toBe(409);
      await server.services.policies.save({ 'tickets.window': { start: shift(-10), end: shift(-1) } }, admin);
      const closed = await browser.request(`${server.url}/staff/tickets`, {
        method: 'POST',
        body: new URLSearchParams({ _csrf: csrf, student: await idOf('S0100005'), reason: 'x' }).toString(),
      });
      expect(closed.status).toBe(409);
      expect(closed.html).toContain('Reset requests closed on');
      await server.services.policies.save({ 'tickets.window': { start: today(), end: today() } }, admin);
      expect((await requestReset(browser, 'S0100005')).status).toBe(200);
    } finally {
      await server.services.policies.save({ 'tickets.window': null }, admin);
    }
  });

  test('direct mode: the teacher’s reset takes effect at once, with the same audit trail', async () => {
    await server.services.policies.save({ 'tickets.mode': 'direct' }, admin);
    try {
      const id = await idOf('S0100001');
      const browser = await rivera();
      const page = await requestReset(browser, 'S0100001', 'Direct reset');
      expect(page.html).toContain('Account reset');
      expect((await server.services.accounts.findById(id))!.passwordHash).toBeNull();
      const events = await server.services.audit.recent({ subjectId: id, limit: 20 });
      expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['ticket.opened', 'ticket.approved', 'account.reset']));
    } finally {
      await server.services.policies.save({ 'tickets.mode': 'ticket' }, admin);
    }
  });

  test('bulk approval of 500 tickets in one request completes, each ticket on its own', async () => {
    const rivera = (await server.services.accounts.findByUsername('mrivera'))!;
    const db = server.services.store.db;
    const ids: string[] = [];
    const hash = await server.services.hasher.hash('Bulk-Phrase-123');
    for (let i = 0; i < 500; i += 1) {
      const account = await server.services.accounts.create({
        username: `S07${String(i).padStart(5, '0')}`,
        givenName: 'Bulk',
        familyName: `Student${i}`,
        studentId: `7${String(i).padStart(5, '0')}`,
        roles: ['student'],
        passwordHash: hash,
      });
      const id = `bulk-${i}`;
      await db
        .insertInto('reset_tickets')
        .values({ id, account_id: account.id, teacher_id: rivera.id, reason: 'bulk', status: 'open', note: null, created_at: Date.now() + i, decided_at: null, decided_by: null })
        .execute();
      ids.push(id);
    }
    // One of them is decided meanwhile: it is skipped, the others go through.
    await db.updateTable('reset_tickets').set({ status: 'rejected' }).where('id', '=', 'bulk-7').execute();
    const helpdesk = await desk();
    await helpdesk.get(`${server.url}/helpdesk`);
    const body = new URLSearchParams({ _csrf: helpdesk.form('/helpdesk/approve').fields._csrf });
    for (const id of ids) body.append('ticket', id);
    const result = await helpdesk.request(`${server.url}/helpdesk/approve`, { method: 'POST', body: body.toString() });
    expect(result.html).toContain('499 approved, 1 no longer open.');
    const rows = await db.selectFrom('reset_tickets').select(['status']).where('id', 'in', ids).execute();
    expect(rows.filter((r) => r.status === 'approved')).toHaveLength(499);
    const reset = await db
      .selectFrom('accounts')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('username', 'like', 'S07%')
      .where('password_hash', 'is', null)
      .executeTakeFirst();
    expect(Number(reset?.n)).toBe(499);
  }, 120_000);
});
