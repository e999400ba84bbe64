import { signedIn, ADMIN, submitForm } from '../admin/helpers.js';
import { ENGINES, startTestServer, type TestServer } from '../helpers/server.js';
import { signIn, WebClient } from '../helpers/web-client.js';

const DAY = 86_400_000;

/**
 * The grace period to set up a second factor (config mfa.gracePeriod, and the admin console's policy): within it a
 * required account without a factor may choose "Later" (audited), counted from its first sign-in without one; after
 * it, setting one up is compulsory.
 */
describe.each(ENGINES)('grace period to set up a second factor (%s)', (engine) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(engine, { overrides: { mfa: { requiredRoles: [], gracePeriod: '3d' } } });
  });
  afterAll(() => server.close());

  const teacherId = async () => (await server.services.accounts.findByUsername('mrivera'))!.id;
  const graceFrom = async () => {
    const row = await server.services.store.db
      .selectFrom('accounts')
      .select('mfa_grace_from')
      .where('id', '=', await teacherId())
      .executeTakeFirstOrThrow();
    return row.mfa_grace_from === null ? null : Number(row.mfa_grace_from);
  };
  const setGraceFrom = async (at: number) => {
    await server.services.store.db
      .updateTable('accounts')
      .set({ mfa_grace_from: at })
      .where('id', '=', await teacherId())
      .execute();
  };
  const teacherSignsIn = async () => {
    const teacher = new WebClient();
    const page = await signIn(teacher, `${server.url}/`, 'mrivera', 'Teach-Lakeside-2026');
    expect(page.html).toContain('Set up a second factor');
    return { teacher, page };
  };

  test('within the period "Later" signs in with the password alone and is audited; the period counts from the first sign-in; after it there is no "Later"', async () => {
    const admin = await signedIn(server, ADMIN);
    const policies = await admin.get(`${server.url}/admin/policies`);
    expect(policies.html).toMatch(/<input id="mfaGraceDays" name="mfaGraceDays" type="text" value="3"/);
    expect((await submitForm(admin, '/admin/policies', { mfa_teacher: 'on' })).url).toContain('done=saved');
    expect(await graceFrom()).toBeNull();

    const before = Date.now();
    const first = await teacherSignsIn();
    expect(first.page.html).toContain('>Later</button>');
    const started = await graceFrom();
    expect(started).toBeGreaterThanOrEqual(before);
    const portal = await first.teacher.submit('/later');
    expect(portal.html).toContain('Hello, María');
    const [deferred] = await server.services.audit.recent({ type: 'mfa.deferred' });
    expect(deferred).toMatchObject({ actorId: await teacherId(), subjectId: await teacherId() });
    expect(deferred.data).toEqual({ until: new Date(started! + 3 * DAY).toISOString() });

    // The next sign-in keeps the first one's start.
    const second = await teacherSignsIn();
    expect(second.page.html).toContain('>Later</button>');
    expect(await graceFrom()).toBe(started);

    // Three days on: compulsory. A "Later" posted anyway (a page left open) is refused.
    await setGraceFrom(Date.now() - 3 * DAY - 60_000);
    const late = await teacherSignsIn();
    expect(late.page.html).not.toContain('/later');
    const refused = await late.teacher.request(`${late.page.url.replace(/\?.*$/, '')}/later`, {
      method: 'POST',
      body: new URLSearchParams({ _csrf: /name="_csrf" value="([^"]+)"/.exec(late.page.html)![1] }).toString(),
    });
    expect(refused.status).toBe(400);
    expect(late.teacher.alert()).toBe('The time allowed to set up a second factor is over: set one up now to continue.');
    expect(refused.html).toContain('Set up a second factor');
    expect(await server.services.audit.recent({ type: 'mfa.deferred' })).toHaveLength(1);
  });

  test('with the policy at 0 there is no "Later"; the policy takes 0 to 90 days', async () => {
    await setGraceFrom(Date.now());
    const admin = await signedIn(server, ADMIN);
    await admin.get(`${server.url}/admin/policies`);
    expect((await submitForm(admin, '/admin/policies', { mfa_teacher: 'on', mfaGraceDays: '0' })).url).toContain('done=saved');
    expect(server.services.config.mfa.gracePeriod).toBe(0);
    const [changed] = await server.services.audit.recent({ type: 'policy.changed' });
    expect(changed.data).toMatchObject({ key: 'mfa.gracePeriod', before: 3 * 86400, after: 0 });
    const none = await teacherSignsIn();
    expect(none.page.html).not.toContain('/later');

    await admin.get(`${server.url}/admin/policies`);
    const wrong = await submitForm(admin, '/admin/policies', { mfa_teacher: 'on', mfaGraceDays: '91' });
    expect(wrong.status).toBe(400);
    expect(wrong.html).toContain('Enter a number of days from 0 to 90.');
  });
});
