import { ADMIN, signedIn, submitForm } from '../admin/helpers.js';
import { ENGINES, startTestServer, type TestServer } from '../helpers/server.js';
import { signIn, WebClient } from '../helpers/web-client.js';

/** Who must use a second factor is a policy on the admin console; students are never required by a stray tick. */
describe.each(ENGINES)('second-factor policy (%s)', (engine) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(engine);
  });
  afterAll(() => server.close());

  test('requiring students needs the explicit confirmation; requiring teachers applies at their next sign-in', async () => {
    const admin = await signedIn(server, ADMIN);
    await admin.get(`${server.url}/admin/policies`);
    expect(admin.page!.html).toContain('Roles that must use a second factor');

    const refused = await submitForm(admin, '/admin/policies', { mfa_student: 'on', mfa_teacher: 'on' });
    expect(refused.status).toBe(400);
    expect(refused.html).toContain('Requiring a second factor of student affects students');
    expect(server.services.config.mfa.requiredRoles).toEqual([]);

    const saved = await submitForm(admin, '/admin/policies', { mfa_teacher: 'on' }, ['mfa_student']);
    expect(saved.url).toContain('done=saved');
    expect(server.services.config.mfa.requiredRoles).toEqual(['teacher']);
    expect(server.services.policies.current().mfa.requiredRoles).toEqual(['teacher']);
    const [event] = await server.services.audit.recent({ type: 'policy.changed' });
    expect(event.data).toMatchObject({ key: 'mfa.requiredRoles', before: [], after: ['teacher'] });

    const teacher = new WebClient();
    const page = await signIn(teacher, `${server.url}/`, 'mrivera', 'Teach-Lakeside-2026');
    expect(page.html).toContain('Set up a second factor');
    const student = new WebClient();
    expect((await signIn(student, `${server.url}/`, 'S0100001', 'Lakeside-Ana-2026')).html).toContain('Hello, Ana');

    await admin.get(`${server.url}/admin/policies`);
    const confirmed = await submitForm(admin, '/admin/policies', { mfa_student: 'on', mfaConfirmStudents: 'on' }, ['mfa_teacher']);
    expect(confirmed.url).toContain('done=saved');
    expect(server.services.config.mfa.requiredRoles).toEqual(['student']);
  });
});
