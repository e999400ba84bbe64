import { ENGINES, startTestServer, type TestServer } from '../helpers/server.js';
import { WebClient } from '../helpers/web-client.js';
import { ADMIN, postMultipart, signedIn } from '../admin/helpers.js';

/**
 * Found by the fuzz tests (test/security/fuzz.test.ts) on PostgreSQL: a claim form whose fields held U+0000 answered
 * 500 (PostgreSQL refuses the character in text). Now any request carrying it, in its path, query or form, is a 400
 * with a translated message before a handler runs, on both databases.
 */
describe.each(ENGINES)('U+0000 in requests (%s)', (engine) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(engine);
  }, 60_000);
  afterAll(() => server.close());

  test('a claim form with U+0000 in its fields: 400 and the form can be used again', async () => {
    const family = new WebClient();
    await family.get(`${server.url}/claim?lang=fr`);
    const form = family.form('/identify');
    const refused = await family.request(form.action, {
      method: 'POST',
      body: `${new URLSearchParams({ _csrf: form.fields._csrf })}&familyName=%FF%FE%00&givenName=%00&studentId=%00`,
    });
    expect(refused.status).toBe(400);
    expect(refused.html.replace(/&#39;/g, "'")).toContain("Le formulaire n'a pas pu être lu.");
    expect(refused.html).toContain('NUL_CHARACTER');
    const page = await family.get(form.action.replace(/\/identify$/, ''));
    expect(page.status).toBe(200);
    expect(page.html).toContain('name="studentId"');
  });

  test('in a path, a query, a multipart form or a provider endpoint: 400, never 500', async () => {
    const admin = await signedIn(server, ADMIN);
    for (const path of ['/claim/%00', '/recover/abc%00def', '/admin/audit?user=%00', '/admin/apps/demo%00', '/help/wi%00fi', '/session/end?id_token_hint=%00']) {
      const page = await admin.get(`${server.url}${path}`);
      expect({ path, status: page.status }).toEqual({ path, status: 400 });
      expect(page.html).toContain('The request could not be understood.');
    }
    await admin.get(`${server.url}/admin/apps/new`);
    const data = new FormData();
    data.append('_csrf', /name="_csrf" value="([^"]+)"/.exec(admin.page!.html)![1]);
    data.append('name_en', 'Nul\u0000App');
    data.append('redirectUris', 'https://nul.example/cb');
    const upload = await postMultipart(admin, `${server.url}/admin/apps`, data);
    expect(upload.status).toBe(400);
    const token = await fetch(`${server.url}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=authorization_code&code=%00&client_id=%00&redirect_uri=%00',
    });
    expect(token.status).toBeLessThan(500);
  });
});
