import * as oidc from 'openid-client';
import { ENGINES, startTestServer, type TestServer } from '../helpers/server.js';
import { WebClient } from '../helpers/web-client.js';
import { ADMIN, browserForm, echoed, on, PNG_1x1, signedIn, STUDENT, submitForm, submitMultipart, TEACHER } from './helpers.js';

const CALLBACK = 'http://127.0.0.1:9/console-app/callback';

/** Apps and OIDC clients managed in the console, driven through its HTML forms. */
describe.each(ENGINES)('admin console: apps (%s)', (engine) => {
  let server: TestServer;
  let admin: WebClient;

  beforeAll(async () => {
    server = await startTestServer(engine);
    admin = await signedIn(server, ADMIN);
  });
  afterAll(() => server.close());

  const appCount = async () => (await server.services.clients.list()).length;
  const auditOf = (type: string, subjectId?: string) => server.services.audit.recent({ type, ...(subjectId ? { subjectId } : {}) });

  async function openNewForm() {
    const page = await admin.get(`${server.url}/admin/apps/new`);
    expect(page.status).toBe(200);
  }

  const validApp = {
    name_en: 'Reading Club',
    name_fr: 'Club de lecture',
    description_en: 'Books for every grade',
    description_fr: 'Des livres pour chaque niveau',
    redirectUris: CALLBACK,
    postLogoutRedirectUris: 'http://127.0.0.1:9/console-app/signed-out',
    clientType: 'confidential',
    ...on('firstParty', 'scope_profile', 'scope_roles', 'portal', 'role_student'),
  };

  /** Signs Ana in through an authorization request of `config`; returns the tokens. */
  async function loginWith(config: oidc.Configuration, scope = 'openid profile roles') {
    const browser = new WebClient();
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: CALLBACK,
      scope,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
    });
    browser.stopAt = CALLBACK;
    let page = await browser.get(url.href);
    if (page.url.includes('/interaction/')) {
      await browser.submit('/username', { username: STUDENT.username });
      page = await browser.submit('/password', { password: STUDENT.password });
    }
    if (!page.url.startsWith(CALLBACK)) return { error: page, tokens: null };
    const returned = new URL(page.url);
    if (returned.searchParams.get('error')) return { error: returned.searchParams.get('error'), tokens: null };
    return { error: null, tokens: await oidc.authorizationCodeGrant(config, returned, { pkceCodeVerifier: verifier, expectedState: state }) };
  }

  const discover = (clientId: string, secret?: string) => oidc.discovery(new URL(server.url), clientId, secret, undefined, { execute: [oidc.allowInsecureRequests] });

  test('an app registered in the console shows its secret once and completes an openid-client login at once', async () => {
    await openNewForm();
    const page = await submitMultipart(admin, '/admin/apps', validApp, { name: 'icon', filename: 'icon.png', type: 'image/png', data: PNG_1x1 });
    expect(page.status).toBe(200);
    expect(page.headers.get('cache-control')).toContain('no-store');
    const clientId = /id="client-id">([^<]+)</.exec(page.html)![1];
    const secret = /id="client-secret"[^>]*>([^<]+)</.exec(page.html)![1];
    expect(secret.length).toBeGreaterThanOrEqual(40);

    // Stored sealed, never in clear.
    const row = await server.services.store.db.selectFrom('oidc_clients').selectAll().where('client_id', '=', clientId).executeTakeFirstOrThrow();
    expect(row.secret_sealed).not.toContain(secret);
    // Never shown again.
    const edit = await admin.get(`${server.url}/admin/apps/${clientId}`);
    expect(edit.html).not.toContain(secret);
    expect(echoed(edit.html, 'name_fr')).toBe('Club de lecture');

    // No restart: the provider reads the new client on the next request.
    const result = await loginWith(await discover(clientId, secret));
    expect(result.error).toBeNull();
    expect(result.tokens!.claims()).toMatchObject({ preferred_username: 'S0100001', roles: ['student'] });

    // The scopes ticked are the most the app can ask for (enforced by the provider).
    const wider = await loginWith(await discover(clientId, secret), 'openid email');
    expect(wider.error).toBe('invalid_scope');

    // Audited with the app as it was created (no secret in it).
    const [created] = await auditOf('client.created', clientId);
    expect(created.data).toMatchObject({
      before: null,
      after: { name: 'Reading Club', names: { en: 'Reading Club', fr: 'Club de lecture' }, scopes: ['openid', 'profile', 'roles'], portalRoles: ['student'] },
    });
    expect(JSON.stringify(created.data)).not.toContain(secret);
    expect(created.actorId).toBe((await server.services.accounts.findByUsername('admin'))!.id);
  });

  test('the tile appears for the roles, schools and grades chosen, with the name and description in the reader’s language and the icon', async () => {
    const { client } = await server.services.clients.register({ name: 'Grade 5 Maths', redirectUris: ['https://maths.example/cb'], portal: true });
    await openNewForm();
    await admin.get(`${server.url}/admin/apps/${client.clientId}`);
    const schools = await server.services.adminDirectory.schools();
    expect(schools.length).toBeGreaterThan(0);
    const saved = await submitMultipart(admin, `/admin/apps/${client.clientId}`, {
      name_en: 'Grade 5 Maths',
      name_fr: 'Maths 5e année',
      description_fr: 'Exercices',
      grades: '5',
      [`school_${schools[0].id}`]: 'on',
      ...on('role_student', 'portal'),
    });
    expect(saved.status).toBe(200);
    expect(saved.url).toContain('done=saved');

    const ana = await signedIn(server, STUDENT); // grade 05 at the demo school
    const fr = await ana.get(`${server.url}/?lang=fr`);
    expect(fr.html).toContain('Maths 5e année');
    expect(fr.html).toContain('Exercices');
    const teacher = await signedIn(server, TEACHER);
    expect(teacher.page!.html).not.toContain('Grade 5 Maths');

    // Another grade: gone from Ana's portal.
    await admin.get(`${server.url}/admin/apps/${client.clientId}`);
    await submitMultipart(admin, `/admin/apps/${client.clientId}`, { grades: '06' });
    expect((await ana.get(`${server.url}/`)).html).not.toContain('Grade 5 Maths');

    // The icon uploaded at creation is served safely, versioned and cached.
    const withIcon = (await server.services.clients.list()).find((c) => c.name === 'Reading Club')!;
    const iconPage = await ana.get(`${server.url}/`);
    expect(iconPage.html).toContain(`/apps/${withIcon.clientId}/icon?v=${withIcon.iconEtag}`);
    const icon = await fetch(`${server.url}/apps/${withIcon.clientId}/icon?v=${withIcon.iconEtag}`);
    expect(icon.status).toBe(200);
    expect(icon.headers.get('content-type')).toBe('image/png');
    expect(icon.headers.get('cache-control')).toContain('immutable');
    expect(icon.headers.get('content-security-policy')).toContain('sandbox');
    expect(Buffer.from(await icon.arrayBuffer()).equals(PNG_1x1)).toBe(true);
    const again = await fetch(`${server.url}/apps/${withIcon.clientId}/icon`, {
      // fetch adds "Cache-Control: no-cache" to conditional requests unless told otherwise; a browser revalidating does not.
      headers: { 'if-none-match': icon.headers.get('etag')!, 'cache-control': 'max-age=0' },
    });
    expect(again.status).toBe(304);
  });

  test('a bad redirect URI, an oversized icon or a wrong icon type is a clear 400 on the form, fields kept, nothing saved', async () => {
    const before = await appCount();
    const auditBefore = (await auditOf('client.created')).length;

    await openNewForm();
    let page = await submitMultipart(admin, '/admin/apps', { ...validApp, redirectUris: 'http://evil.example/cb' });
    expect(page.status).toBe(400);
    expect(admin.alert()).toContain('http://evil.example/cb must use https (http is allowed only for localhost).');
    expect(echoed(page.html, 'name_en')).toBe('Reading Club');
    expect(echoed(page.html, 'description_fr')).toBe('Des livres pour chaque niveau');
    expect(echoed(page.html, 'redirectUris')).toBe('http://evil.example/cb');
    expect(page.html).toMatch(/id="redirectUris"[^>]*aria-invalid="true"/);

    for (const [uri, message] of [
      ['https://app.example/*', 'contains a wildcard'],
      ['https://app.example/cb#x', 'contains a fragment'],
      ['not a url', 'is not a complete address'],
    ]) {
      await openNewForm();
      page = await submitMultipart(admin, '/admin/apps', { ...validApp, redirectUris: uri });
      expect(page.status).toBe(400);
      expect(admin.alert()).toContain(message);
    }

    await openNewForm();
    page = await submitMultipart(admin, '/admin/apps', validApp, {
      name: 'icon',
      filename: 'big.png',
      type: 'image/png',
      data: Buffer.concat([PNG_1x1, Buffer.alloc(300 * 1024)]),
    });
    expect(page.status).toBe(400);
    expect(admin.alert()).toContain('The icon is too large: the limit is 256 KB.');
    expect(echoed(page.html, 'name_fr')).toBe('Club de lecture');

    // Named .png, but HTML inside: the bytes decide.
    await openNewForm();
    page = await submitMultipart(admin, '/admin/apps', validApp, {
      name: 'icon',
      filename: 'icon.png',
      type: 'image/png',
      data: Buffer.from('<html><script>alert(1)</script></html>'),
    });
    expect(page.status).toBe(400);
    expect(admin.alert()).toContain('The icon must be a PNG, JPEG, WebP or SVG image.');

    await openNewForm();
    page = await submitMultipart(admin, '/admin/apps', validApp, {
      name: 'icon',
      filename: 'x.svg',
      type: 'image/svg+xml',
      data: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>'),
    });
    expect(page.status).toBe(400);
    expect(admin.alert()).toContain('This SVG contains scripts');

    // French too.
    await admin.get(`${server.url}/admin/apps/new?lang=fr`);
    page = await submitMultipart(admin, '/admin/apps', { ...validApp, name_en: '', name_fr: '', redirectUris: '' });
    expect(page.status).toBe(400);
    expect(admin.alert()).toContain('Saisissez le nom de l’application dans au moins une langue.');
    expect(admin.alert()).toContain('Saisissez au moins une URI de redirection.');
    await admin.get(`${server.url}/admin/apps?lang=en`);

    expect(await appCount()).toBe(before);
    expect((await auditOf('client.created')).length).toBe(auditBefore);
  });

  test('a safe SVG icon is accepted and served as an image that cannot run script', async () => {
    const { client } = await server.services.clients.register({ name: 'Vector', redirectUris: ['https://vector.example/cb'] });
    await admin.get(`${server.url}/admin/apps/${client.clientId}`);
    const svg = '<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><circle cx="5" cy="5" r="4" fill="#0b5cad"/></svg>\n';
    const page = await submitMultipart(admin, `/admin/apps/${client.clientId}`, {}, { name: 'icon', filename: 'logo.txt', type: 'text/plain', data: Buffer.from(svg) });
    expect(page.url).toContain('done=saved');
    const response = await fetch(`${server.url}/apps/${client.clientId}/icon`);
    expect(response.headers.get('content-type')).toBe('image/svg+xml');
    expect(response.headers.get('content-security-policy')).toMatch(/default-src 'none'.*sandbox/);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    const [updated] = await auditOf('client.updated', client.clientId);
    expect(updated.data).toMatchObject({ before: { icon: null }, after: { icon: expect.any(String) } });

    // Removing it.
    await admin.get(`${server.url}/admin/apps/${client.clientId}`);
    await submitMultipart(admin, `/admin/apps/${client.clientId}`, on('removeIcon'));
    expect((await fetch(`${server.url}/apps/${client.clientId}/icon`)).status).toBe(404);
  });

  test('edit, disable, enable, rotate the secret and delete (after confirming), each audited with before and after', async () => {
    const { client, clientSecret } = await server.services.clients.register({ name: 'Quiz', redirectUris: [CALLBACK], firstParty: true, portal: true });
    const id = client.clientId;

    // Edit: a bad URI changes nothing.
    await admin.get(`${server.url}/admin/apps/${id}`);
    let page = await submitMultipart(admin, `/admin/apps/${id}`, { redirectUris: `${CALLBACK}\nhttps://quiz.example/*` });
    expect(page.status).toBe(400);
    expect((await server.services.clients.find(id))!.redirectUris).toEqual([CALLBACK]);
    // A good edit applies at once.
    await admin.get(`${server.url}/admin/apps/${id}`);
    page = await submitMultipart(admin, `/admin/apps/${id}`, { name_en: 'Quiz Time', redirectUris: `${CALLBACK}\nhttps://quiz.example/cb` });
    expect(page.url).toContain('done=saved');
    expect(admin.page!.html).toContain('Your changes were saved.');
    expect((await server.services.clients.find(id))!).toMatchObject({ name: 'Quiz Time', redirectUris: [CALLBACK, 'https://quiz.example/cb'] });
    const [updated] = await auditOf('client.updated', id);
    expect(updated.data).toMatchObject({ before: { name: 'Quiz', redirectUris: [CALLBACK] }, after: { name: 'Quiz Time', redirectUris: [CALLBACK, 'https://quiz.example/cb'] } });

    // Disable: sign-in refused and the tile is gone, at once.
    page = await submitForm(admin, `/admin/apps/${id}/disable`, {});
    expect(page.url).toContain('done=disabled');
    expect((await loginWith(await discover(id, clientSecret!))).tokens).toBeNull();
    const ana = await signedIn(server, STUDENT);
    expect(ana.page!.html).not.toContain('Quiz Time');
    expect((await auditOf('client.disabled', id))[0].data).toEqual({ before: { enabled: true }, after: { enabled: false } });
    page = await submitForm(admin, `/admin/apps/${id}/enable`, {});
    expect(page.url).toContain('done=enabled');
    expect((await loginWith(await discover(id, clientSecret!))).tokens).not.toBeNull();

    // Rotate: a confirmation page, then the new secret once; the old one stops working.
    page = await admin.get(`${server.url}/admin/apps/${id}/rotate-secret`);
    expect(page.html).toContain('The current secret stops working at once');
    page = await submitForm(admin, `/admin/apps/${id}/rotate-secret`, {});
    const fresh = /id="client-secret"[^>]*>([^<]+)</.exec(page.html)![1];
    expect(fresh).not.toBe(clientSecret);
    await expect(loginWith(await discover(id, clientSecret!))).rejects.toMatchObject({ error: 'invalid_client' });
    expect((await loginWith(await discover(id, fresh))).tokens).not.toBeNull();
    expect(await auditOf('client.secret_rotated', id)).toHaveLength(1);

    // Delete: confirmation first; then gone, and its tokens with it.
    page = await admin.get(`${server.url}/admin/apps/${id}/delete`);
    expect(page.html).toContain('This can’t be undone.');
    expect(await server.services.clients.find(id)).not.toBeNull();
    page = await submitForm(admin, `/admin/apps/${id}/delete`, {});
    expect(page.url).toContain('/admin/apps?done=deleted');
    expect(await server.services.clients.find(id)).toBeNull();
    const [removed] = await auditOf('client.removed', id);
    expect(removed.data).toMatchObject({ before: { name: 'Quiz Time' }, after: null });
  });

  test('built-in apps are listed but cannot be deleted, disabled, rotated or re-pointed; their tile settings can change', async () => {
    const list = await admin.get(`${server.url}/admin/apps`);
    expect(list.html).toContain('homeroom-portal');
    expect(list.html).toContain('demo-learning-app');

    for (const action of ['delete', 'rotate-secret']) {
      expect((await admin.get(`${server.url}/admin/apps/homeroom-portal/${action}`)).status).toBe(409);
    }
    const edit = await admin.get(`${server.url}/admin/apps/demo-learning-app`);
    expect(edit.html).not.toContain('/demo-learning-app/delete');
    expect(edit.html).not.toContain('name="redirectUris"');
    const token = browserForm(admin, '/admin/apps/demo-learning-app').fields._csrf;
    for (const action of ['delete', 'disable', 'rotate-secret']) {
      const page = await admin.request(`${server.url}/admin/apps/demo-learning-app/${action}`, { method: 'POST', body: new URLSearchParams({ _csrf: token }).toString() });
      expect({ action, status: page.status }).toEqual({ action, status: 409 });
    }
    const before = (await server.services.clients.find('demo-learning-app'))!;

    // Renaming works; URIs posted anyway are ignored.
    await admin.get(`${server.url}/admin/apps/demo-learning-app`);
    const page = await submitMultipart(admin, '/admin/apps/demo-learning-app', { name_fr: 'Apprentissage Érable', redirectUris: 'https://evil.example/cb', clientType: 'public' });
    expect(page.url).toContain('done=saved');
    const after = (await server.services.clients.find('demo-learning-app'))!;
    expect(after.names.fr).toBe('Apprentissage Érable');
    expect(after).toMatchObject({ redirectUris: before.redirectUris, public: false, enabled: true, scopes: before.scopes });
    // And the demo app still signs people in.
    const ana = await signedIn(server, STUDENT);
    const app = await ana.get(`${server.url}/demo-app/`);
    expect(app.status).toBe(200);
    expect(app.html).toContain('S0100001');
  });
});
