import { ENGINES, startTestServer, type TestServer } from '../helpers/server.js';
import { WebClient } from '../helpers/web-client.js';
import { ADMIN, csrfOf, post, signedIn, STUDENT, TEACHER } from './helpers.js';

/** Only administrators reach the console: every route, GET and POST, checks the role on every request. */
describe.each(ENGINES)('admin console access (%s)', (engine) => {
  let server: TestServer;
  let appId: string;
  let linkId: string;
  let samlId: string;

  beforeAll(async () => {
    server = await startTestServer(engine);
    const { client } = await server.services.clients.register({ name: 'Library', redirectUris: ['https://library.example/cb'] });
    appId = client.clientId;
    const link = await server.services.helpLinks.create(
      { title: { en: 'Wi-Fi', fr: 'Wi-Fi' }, url: '/help/wifi', roles: null, showOnLogin: true, position: 0 },
      { id: 'test', ip: null },
    );
    linkId = link.id;
    samlId = (await server.services.samlProviders.register({ entityId: 'https://saml.example/sp', name: 'Assessments', acs: [{ url: 'https://saml.example/acs' }] })).id;
  });
  afterAll(() => server.close());

  const pages = () => [
    '/admin',
    '/admin/apps',
    '/admin/apps/new',
    `/admin/apps/${appId}`,
    `/admin/apps/${appId}/rotate-secret`,
    `/admin/apps/${appId}/delete`,
    '/admin/saml-apps/new',
    `/admin/saml-apps/${samlId}`,
    `/admin/saml-apps/${samlId}/delete`,
    '/admin/google',
    '/admin/help-links',
    '/admin/help-links/new',
    `/admin/help-links/${linkId}`,
    `/admin/help-links/${linkId}/delete`,
    '/admin/policies',
    '/admin/audit',
    '/admin/audit.csv',
  ];
  const actions = () => [
    '/admin/apps',
    `/admin/apps/${appId}`,
    `/admin/apps/${appId}/enable`,
    `/admin/apps/${appId}/disable`,
    `/admin/apps/${appId}/rotate-secret`,
    `/admin/apps/${appId}/delete`,
    '/admin/saml-apps',
    `/admin/saml-apps/${samlId}`,
    `/admin/saml-apps/${samlId}/delete`,
    '/admin/google/oidc-client',
    '/admin/help-links',
    `/admin/help-links/${linkId}`,
    `/admin/help-links/${linkId}/delete`,
    '/admin/policies',
  ];

  test.each([
    ['student', STUDENT],
    ['teacher', TEACHER],
  ])('a %s gets 403 on every admin page and every admin action, and nothing changes', async (_role, who) => {
    const client = await signedIn(server, who);
    const token = csrfOf(client); // a valid token from the portal: the refusal is the role check, not CSRF
    for (const path of pages()) {
      const page = await client.get(`${server.url}${path}`);
      expect({ path, status: page.status }).toEqual({ path, status: 403 });
      expect(page.html).toContain('FORBIDDEN');
    }
    const policiesBefore = JSON.stringify(server.services.policies.snapshot());
    for (const path of actions()) {
      const page = await post(client, `${server.url}${path}`, {
        _csrf: token,
        name_en: 'Hacked',
        minLength: '30',
        url: '/x',
        title_en: 'x',
        ticketMode: 'direct',
        sessionMinutes: '5',
      });
      expect({ path, status: page.status }).toEqual({ path, status: 403 });
    }
    // Still there, unchanged.
    const app = await server.services.clients.find(appId);
    expect(app).toMatchObject({ name: 'Library', enabled: true });
    expect(await server.services.helpLinks.find(linkId)).not.toBeNull();
    expect(await server.services.samlProviders.find(samlId)).toMatchObject({ name: 'Assessments' });
    expect(await server.services.clients.find('google-workspace')).toBeNull();
    expect(JSON.stringify(server.services.policies.snapshot())).toBe(policiesBefore);
  });

  test('an administrator reaches every page', async () => {
    const client = await signedIn(server, ADMIN);
    for (const path of pages()) {
      const page = await client.get(`${server.url}${path}`);
      expect({ path, status: page.status }).toEqual({ path, status: 200 });
      if (!path.endsWith('.csv')) {
        expect(page.headers.get('cache-control')).toContain('no-store');
        expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
      }
    }
  });

  test('without a session, a page starts a sign-in that returns to it; a post is refused', async () => {
    const client = new WebClient();
    const first = await client.get(`${server.url}/admin/policies`);
    expect(first.url).toContain('/interaction/');
    await client.submit('/username', { username: ADMIN.username });
    const back = await client.submit('/password', { password: ADMIN.password });
    expect(back.url).toBe(`${server.url}/admin/policies`);
    expect(back.status).toBe(200);

    const anonymous = new WebClient();
    const refused = await post(anonymous, `${server.url}/admin/policies`, { minLength: '30' });
    expect(refused.status).toBe(401);
  });

  test('an admin post without the CSRF token is refused', async () => {
    const client = await signedIn(server, ADMIN);
    const page = await post(client, `${server.url}/admin/apps/${appId}/disable`, { _csrf: 'forged' });
    expect(page.status).toBe(403);
    expect(page.html).toContain('CSRF_FAILED');
    expect((await server.services.clients.find(appId))!.enabled).toBe(true);
  });

  test('the portal shows administrators the way in, and nobody else', async () => {
    const admin = await signedIn(server, ADMIN);
    expect(admin.page!.html).toContain('href="/admin"');
    const student = await signedIn(server, STUDENT);
    expect(student.page!.html).not.toContain('href="/admin"');
  });
});
