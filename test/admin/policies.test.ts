import { ENGINES, startTestServer, type TestServer } from '../helpers/server.js';
import { WebClient } from '../helpers/web-client.js';
import { ADMIN, echoed, signedIn, submitForm } from './helpers.js';

/** Policies saved in the console: validated, stored in the database, applied live, audited with before and after. */
describe.each(ENGINES)('admin console: policies (%s)', (engine) => {
  let server: TestServer;
  let admin: WebClient;

  /** Policy changes made by these tests (the demo's seeding saves its own first). */
  let seeded: Set<string>;
  const changes = async () => (await server.services.audit.recent({ type: 'policy.changed' })).filter((e) => !seeded.has(e.id));

  beforeAll(async () => {
    server = await startTestServer(engine);
    admin = await signedIn(server, ADMIN);
    seeded = new Set((await server.services.audit.recent({ type: 'policy.changed' })).map((e) => e.id));
  });
  afterAll(() => server.close());

  const openForm = async () => {
    const page = await admin.get(`${server.url}/admin/policies`);
    expect(page.status).toBe(200);
    return page;
  };

  test('the form shows the values in force, in people’s units', async () => {
    const page = await openForm();
    expect(echoed(page.html, 'minLength')).toBe('8');
    expect(echoed(page.html, 'claimDelayHours')).toBe('24');
    expect(echoed(page.html, 'sessionMinutes')).toBe('480');
    expect(echoed(page.html, 'loginAccountLimit')).toBe('10');
    expect(echoed(page.html, 'loginAccountWindow')).toBe('15');
    expect(page.html).toMatch(/id="ticketMode-ticket"[^>]*checked/);
    expect(server.services.policies.current()).toMatchObject({ tickets: { mode: 'ticket', window: null }, readiness: { deadline: null }, claimDelay: 86400 });
  });

  test('bad values are reported all at once, in the reader’s language, with the fields kept and nothing saved or audited', async () => {
    const before = JSON.stringify(server.services.policies.snapshot());
    const config = JSON.stringify(server.services.config);
    await openForm();
    const page = await submitForm(admin, '/admin/policies', {
      minLength: '4',
      ticketStart: '2026-08-20',
      ticketEnd: '2026-08-01',
      deadline: '2026-02-30',
      loginAccountLimit: '0',
      sessionMinutes: 'lots',
      newQuestionEn: 'What is your favourite colour?',
      newQuestionFr: '',
    });
    expect(page.status).toBe(400);
    const alert = admin.alert()!;
    expect(alert).toContain('There are 6 problems.');
    expect(alert).toContain('Minimum password length must be a whole number from 8 to 64.');
    expect(alert).toContain('The last day of the ticket window is before its first day.');
    expect(alert).toContain('Enter a date as YYYY-MM-DD');
    // Bounds are numbers, written the reader's way.
    expect(alert).toContain('Attempts allowed must be a whole number from 1 to 100,000.');
    expect(alert).toContain('Session length must be a whole number of minutes from 5 to 1,440.');
    expect(alert).toContain('Enter the question in both English and French');
    expect(echoed(page.html, 'ticketStart')).toBe('2026-08-20');
    expect(echoed(page.html, 'sessionMinutes')).toBe('lots');
    expect(page.html).toMatch(/id="deadline"[^>]*aria-invalid="true"/);

    await admin.get(`${server.url}/admin/policies?lang=fr`);
    await submitForm(admin, '/admin/policies', { ticketStart: '2026-08-20', ticketEnd: '' });
    expect(admin.alert()).toContain('Saisissez le premier et le dernier jour de la période des demandes, ou aucun des deux.');
    await admin.get(`${server.url}/admin/policies?lang=en`);

    // Fewer than three questions.
    await openForm();
    const fields: Record<string, string> = {};
    for (const id of ['firstPet', 'favoriteTeacher', 'birthCity', 'favoriteFood', 'bestFriend', 'favoriteBook', 'childhoodStreet', 'favoriteSport', 'firstSchool', 'dreamJob'])
      fields[`q_${id}`] = '';
    await submitForm(
      admin,
      '/admin/policies',
      { q_firstPet: 'on' },
      Object.keys(fields).filter((k) => k !== 'q_firstPet'),
    );
    expect(admin.alert()).toContain('Keep at least 3 questions in the pool.');

    expect(JSON.stringify(server.services.policies.snapshot())).toBe(before);
    expect(JSON.stringify(server.services.config)).toBe(config);
    expect(await changes()).toEqual([]);
  });

  test('saved policies apply at once, are audited with before and after, and reach the typed getter and other processes', async () => {
    await openForm();
    const page = await submitForm(
      admin,
      '/admin/policies',
      {
        minLength: '12',
        claimDelayHours: '0',
        ticketStart: '2026-08-01',
        ticketEnd: '2026-08-31',
        ticketMode: 'direct',
        loginAccountLimit: '3',
        loginAccountWindow: '30',
        sessionMinutes: '60',
        deadline: '2026-08-10',
        newQuestionEn: 'What is the name of your street?',
        newQuestionFr: 'Quel est le nom de votre rue ?',
      },
      ['blockCommon', 'q_dreamJob'],
    );
    expect(page.url).toContain('done=saved');
    expect(admin.page!.html).toContain('Your changes were saved.');

    const { config, policies } = server.services;
    expect(config.passwords).toMatchObject({ minLength: 12, blockCommon: false });
    expect(config.login.perAccount).toEqual({ limit: 3, window: 1800 });
    expect(config.session).toMatchObject({ ttl: 3600, portalTtl: 3600 });
    expect(config.roster.claimDelay).toBe(0);
    expect(config.claim.questions).not.toContain('dreamJob');
    const custom = config.claim.questions.find((q) => typeof q !== 'string') as { id: string; text: Record<string, string> };
    expect(custom.text).toEqual({ en: 'What is the name of your street?', fr: 'Quel est le nom de votre rue ?' });
    expect(policies.current()).toMatchObject({
      passwords: { minLength: 12, blockCommon: false },
      tickets: { mode: 'direct', window: { start: '2026-08-01', end: '2026-08-31' } },
      readiness: { deadline: '2026-08-10' },
      claimDelay: 0,
      session: { ttl: 3600 },
    });

    // Throttling follows at once: the fourth wrong password within the window is refused.
    const guesser = new WebClient();
    await guesser.get(`${server.url}/`);
    await guesser.submit('/username', { username: 'mrivera' });
    let status = 0;
    for (let i = 0; i < 4; i += 1) {
      const answer = await guesser.submit('/password', { password: `wrong-${i}` });
      status = answer.status;
    }
    expect(status).toBe(429);

    // One audit entry per changed key, with the value before and after, naming the administrator.
    const entries = await changes();
    const byKey = Object.fromEntries(entries.map((e) => [e.data.key, e]));
    expect(Object.keys(byKey).sort()).toEqual(
      [
        'claim.questions',
        'login.perAccount',
        'passwords.blockCommon',
        'passwords.minLength',
        'readiness.deadline',
        'roster.claimDelay',
        'session.ttl',
        'tickets.mode',
        'tickets.window',
      ].sort(),
    );
    expect(byKey['passwords.minLength'].data).toEqual({ key: 'passwords.minLength', before: 8, after: 12 });
    expect(byKey['tickets.window'].data).toEqual({ key: 'tickets.window', before: null, after: { start: '2026-08-01', end: '2026-08-31' } });
    expect(byKey['login.perAccount'].data).toMatchObject({ before: { limit: 10, window: 900 }, after: { limit: 3, window: 1800 } });
    expect(byKey['session.ttl'].actorId).toBe((await server.services.accounts.findByUsername('admin'))!.id);

    // Saving the same values again changes nothing and audits nothing.
    await openForm();
    const again = await submitForm(admin, '/admin/policies', {});
    expect(again.url).toContain('done=unchanged');
    expect(await changes()).toHaveLength(entries.length);

    // Another process on the same database: it reads the table at start, and again when its copy is 15 s old.
    const other = await startTestServer(engine, { database: server.database });
    try {
      expect(other.services.policies.current().tickets.mode).toBe('direct');
      expect(other.services.config.passwords.minLength).toBe(12);
    } finally {
      await other.close();
    }
  });

  test('a custom question someone already chose cannot be removed', async () => {
    const custom = server.services.config.claim.questions.find((q) => typeof q !== 'string') as { id: string };
    const ana = (await server.services.accounts.findByUsername('S0100001'))!;
    await server.services.store.db
      .insertInto('challenge_answers')
      .values({ account_id: ana.id, position: 9, question_id: custom.id, answer_hash: 'x', created_at: Date.now() })
      .execute();
    await openForm();
    const page = await submitForm(admin, '/admin/policies', {}, [`custom_${custom.id}`]);
    expect(page.status).toBe(400);
    expect(admin.alert()).toContain('This question can’t be removed');
    expect(server.services.config.claim.questions).toContainEqual(expect.objectContaining({ id: custom.id }));
  });

  test('the grades that sign in with a badge or pictures are saved as the roster spells them; a code it cannot hold is refused', async () => {
    const before = server.services.policies.current().signIn;
    await openForm();
    const refused = await submitForm(admin, '/admin/policies', { badgeGrades: 'KG, 01', pictureGrades: 'PK; grade one' });
    expect(refused.status).toBe(400);
    expect(admin.alert()).toContain('Enter grades separated by commas');
    expect(echoed(refused.html, 'pictureGrades')).toBe('PK; grade one');
    expect(server.services.policies.current().signIn).toEqual(before);

    await openForm();
    const saved = await submitForm(admin, '/admin/policies', { badgeGrades: 'KG, 01, KG', pictureGrades: 'PK;KG', youngApps: 'marked' });
    expect(saved.url).toContain('done=saved');
    expect(server.services.policies.current().signIn).toEqual({ badgeGrades: ['KG', '01'], pictureGrades: ['PK', 'KG'], youngApps: 'marked' });
    expect(server.services.config.signIn.badgeGrades).toEqual(['KG', '01']);
    expect(echoed((await openForm()).html, 'badgeGrades')).toBe('KG, 01');
    const entry = (await server.services.audit.recent({ type: 'policy.changed' })).find((e) => e.data.key === 'signIn.youngApps');
    expect(entry?.data).toEqual({ key: 'signIn.youngApps', before: 'all', after: 'marked' });
  });
});
