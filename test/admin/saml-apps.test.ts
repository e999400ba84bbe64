import { ENGINES, startTestServer, type TestServer } from '../helpers/server.js';
import { idpCertificates, startTestSp, type TestSp } from '../helpers/saml-sp.js';
import { WebClient } from '../helpers/web-client.js';
import { ADMIN, echoed, on, signedIn, STUDENT, submitMultipart, TEACHER } from './helpers.js';

/** SAML apps registered, changed and removed in the console, through its HTML form; the app then signs people in. */
describe.each(ENGINES)('admin console: SAML apps (%s)', (engine) => {
  let server: TestServer;
  let admin: WebClient;
  let sp: TestSp;

  beforeAll(async () => {
    server = await startTestServer(engine, { overrides: { email: { templates: { student: '{username}@students.maple.example' } } } });
    admin = await signedIn(server, ADMIN);
    sp = await startTestSp(server.url, (await idpCertificates(server.url))[0], 'console');
  });
  afterAll(async () => {
    await sp?.close();
    await server?.close();
  });

  const auditOf = (type: string) => server.services.audit.recent({ type, limit: 100 });
  const count = async () => (await server.services.samlProviders.list()).length;
  const metadataOf = (testSp: TestSp) => testSp.saml.generateServiceProviderMetadata(null, testSp.key.certificate);

  async function newForm() {
    const page = await admin.get(`${server.url}/admin/saml-apps/new`);
    expect(page.status).toBe(200);
    return page;
  }

  /** Submits the new-app form; returns the page and whether a SAML app and an audit event were added. */
  async function submitNew(values: Record<string, string>, file?: { data: string }) {
    const before = { apps: await count(), events: (await auditOf('saml.app_created')).length };
    await newForm();
    const page = await submitMultipart(
      admin,
      '/admin/saml-apps',
      values,
      file ? { name: 'metadataFile', filename: 'sp.xml', type: 'application/xml', data: Buffer.from(file.data) } : undefined,
    );
    const added = (await count()) - before.apps;
    const audited = (await auditOf('saml.app_created')).length - before.events;
    return { page, added, audited };
  }

  test('the apps list shows OIDC and SAML apps; the new SAML app form offers metadata or fields, with the usual defaults', async () => {
    const page = await newForm();
    expect(page.html).toContain(`${server.url}/saml/metadata`);
    expect(page.html).toContain(`${server.url}/saml/sso`);
    expect(echoed(page.html, 'attr_mail')).toBe('mail');
    expect(page.html).toMatch(/id="nameIdSource-username"[^>]*checked/);
    expect(page.html).toMatch(/id="sign-both"[^>]*checked/);
    const list = await admin.get(`${server.url}/admin/apps`);
    expect(list.html).toContain('OpenID Connect');
    expect(list.html).toContain('href="/admin/saml-apps/new"');
  });

  test('an app registered from its uploaded metadata signs Ana in at once, with the NameID and attributes chosen in the form', async () => {
    const { page, added, audited } = await submitNew(
      {
        name_en: 'Library Catalog',
        name_fr: 'Catalogue de la bibliothèque',
        nameIdSource: 'email',
        attr_mail: 'email',
        attr_grade: '',
        sign: 'assertion',
        ...on('portal', 'role_student'),
      },
      { data: metadataOf(sp) },
    );
    expect(page.status).toBe(200);
    expect(page.html).toContain('Your changes were saved.');
    expect([added, audited]).toEqual([1, 1]);
    const provider = (await server.services.samlProviders.findByEntityId(sp.entityId))!;
    expect(provider).toMatchObject({
      name: 'Library Catalog',
      acs: [{ url: sp.acsUrl, isDefault: true }],
      slo: { url: sp.sloUrl },
      nameIdSource: 'email',
      signAssertion: true,
      signResponse: false,
      portal: true,
      portalRoles: ['student'],
    });
    expect(provider.certificate).toContain('BEGIN CERTIFICATE');
    expect(provider.attributes).toMatchObject({ mail: 'email', uid: 'uid' });
    expect(provider.attributes.grade).toBeUndefined();
    const [event] = await auditOf('saml.app_created');
    expect(event).toMatchObject({
      subjectId: sp.entityId,
      actorId: expect.any(String),
      data: { via: 'console', before: null, after: { entityId: sp.entityId, nameIdSource: 'email', signedRequests: true } },
    });

    // Listed beside the OIDC apps.
    const list = await admin.get(`${server.url}/admin/apps`);
    expect(list.html).toContain(`href="/admin/saml-apps/${provider.id}"`);
    expect(list.html).toContain(sp.entityId);

    // The app works at once: node-saml (signing its requests with the certificate from its metadata) accepts the Response.
    sp.configure({ wantAuthnResponseSigned: false });
    const browser = new WebClient();
    await browser.get(`${sp.url}/login`);
    await browser.submit('/username', { username: STUDENT.username });
    await browser.submit('/password', { password: STUDENT.password });
    const landed = await browser.submit(sp.acsUrl);
    expect(sp.errors).toEqual([]);
    expect(landed.html).toContain('Signed in as s0100001@students.maple.example');
    const profile = [...sp.sessions.values()].at(-1)!;
    expect(profile.email).toMatch(/^s0100001@/);
    expect(profile.grade).toBeUndefined();
    sp.configure({ wantAuthnResponseSigned: true });
  });

  test('editing keeps the app and changes what it gets; the change is audited before and after', async () => {
    const provider = (await server.services.samlProviders.findByEntityId(sp.entityId))!;
    const edit = await admin.get(`${server.url}/admin/saml-apps/${provider.id}`);
    expect(echoed(edit.html, 'entityId')).toBe(sp.entityId);
    expect(echoed(edit.html, 'name_fr')).toBe('Catalogue de la bibliothèque');
    const saved = await submitMultipart(admin, `/admin/saml-apps/${provider.id}`, { nameIdSource: 'username', sign: 'both', attr_school: 'ou' });
    expect(saved.status).toBe(200);
    const after = (await server.services.samlProviders.find(provider.id))!;
    expect(after).toMatchObject({
      id: provider.id,
      nameIdSource: 'username',
      signResponse: true,
      attributes: { school: 'ou' },
      certificate: provider.certificate,
      createdAt: provider.createdAt,
    });
    const [event] = await auditOf('saml.app_updated');
    expect(event.data).toMatchObject({ before: { nameIdSource: 'email' }, after: { nameIdSource: 'username', attributes: { school: 'ou' } } });
  });

  test.each([
    ['metadata that is not XML', { metadata: 'this is <not xml' }, 'The metadata is not well-formed XML.'],
    ['metadata with a DOCTYPE (XXE)', { metadata: '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>' }, 'The metadata contains a DOCTYPE'],
    [
      'an identity provider’s metadata',
      {
        metadata:
          '<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://idp.example/"><md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"/></md:EntityDescriptor>',
      },
      'describes no service provider',
    ],
    ['an entity ID already registered', { entityId: 'DUPLICATE', acsUrls: 'https://other.example/acs' }, 'is already registered'],
    ['a plain-http ACS URL', { entityId: 'https://plain.example/sp', acsUrls: 'http://plain.example/acs' }, 'must use https (http is allowed only for localhost)'],
    ['no ACS URL', { entityId: 'https://none.example/sp', acsUrls: '' }, 'Enter at least one assertion consumer service URL'],
    [
      'a certificate that is not one',
      { entityId: 'https://cert.example/sp', acsUrls: 'https://cert.example/acs', certificate: '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----' },
      'The certificate can’t be read',
    ],
    ['an attribute name with a space', { entityId: 'https://attr.example/sp', acsUrls: 'https://attr.example/acs', attr_mail: 'e mail' }, 'An attribute name can’t contain spaces'],
  ])('refused with a clear message and a 400, nothing written: %s', async (_what, values, message) => {
    const fields = { name_en: 'Refused app', ...values } as Record<string, string>;
    if (fields.entityId === 'DUPLICATE') fields.entityId = sp.entityId;
    const { page, added, audited } = await submitNew(fields);
    expect(page.status).toBe(400);
    expect(page.html).toContain(message);
    expect(page.html).toContain('aria-invalid="true"');
    expect([added, audited]).toEqual([0, 0]);
    // What the administrator typed is kept.
    expect(echoed(page.html, 'name_en')).toBe('Refused app');
  });

  test('disabling refuses the app requests with the turned-off page, even one already pending; enabling restores it; audited', async () => {
    const provider = (await server.services.samlProviders.findByEntityId(sp.entityId))!;
    const edit = await admin.get(`${server.url}/admin/saml-apps/${provider.id}`);
    expect(edit.html).toContain('Disable the app');
    // Ana asked the app to sign her in before it was turned off: she reaches the password page.
    const ana = new WebClient();
    await ana.get(`${sp.url}/login`);
    await ana.submit('/username', { username: STUDENT.username });

    const disabled = await admin.submit(`/admin/saml-apps/${provider.id}/disable`);
    expect(disabled.url).toContain(`/admin/saml-apps/${provider.id}?done=disabled`);
    expect(disabled.html).toContain('Enable the app');
    expect((await server.services.samlProviders.find(provider.id))!.enabled).toBe(false);
    const list = await admin.get(`${server.url}/admin/apps`);
    expect(list.html).toMatch(new RegExp(`${sp.entityId}</code></td>\\s*<td>[^<]*</td>\\s*<td>Disabled</td>`));

    // The pending sign-in gets no assertion, and a new request is refused with the turned-off page.
    const sessions = sp.sessions.size;
    const finished = await ana.submit('/password', { password: STUDENT.password });
    expect(finished.status).toBe(400);
    expect(finished.html).toContain('This app is turned off in Homeroom.');
    const refused = await new WebClient().get(`${sp.url}/login`);
    expect(refused.status).toBe(400);
    expect(refused.html).toContain('This app is turned off in Homeroom.');
    expect(sp.sessions.size).toBe(sessions);
    expect((await auditOf('saml.refused')).filter((e) => e.data.reason === 'DISABLED_APP').length).toBeGreaterThanOrEqual(2);

    await admin.get(`${server.url}/admin/saml-apps/${provider.id}`);
    const enabled = await admin.submit(`/admin/saml-apps/${provider.id}/enable`);
    expect(enabled.url).toContain('?done=enabled');
    const again = new WebClient();
    await again.get(`${sp.url}/login`);
    await again.submit('/username', { username: STUDENT.username });
    await again.submit('/password', { password: STUDENT.password });
    expect((await again.submit(sp.acsUrl)).html).toContain('Signed in as');
    for (const [type, on] of [
      ['saml.app_disabled', false],
      ['saml.app_enabled', true],
    ] as const) {
      const [event] = await auditOf(type);
      expect(event).toMatchObject({ subjectId: sp.entityId, data: { via: 'console', before: { enabled: !on }, after: { enabled: on } } });
    }
  });

  test('a refusal is in French for a French-speaking administrator', async () => {
    const french = await signedIn(server, ADMIN);
    await french.get(`${server.url}/admin/saml-apps/new?lang=fr`);
    const page = await submitMultipart(french, '/admin/saml-apps', { name_en: 'X', metadata: 'pas du <xml' });
    expect(page.status).toBe(400);
    expect(page.html).toContain('Les métadonnées ne sont pas du XML bien formé.');
  });

  test('only administrators reach the SAML app pages', async () => {
    const provider = (await server.services.samlProviders.findByEntityId(sp.entityId))!;
    for (const who of [TEACHER, STUDENT]) {
      const client = await signedIn(server, who);
      expect((await client.get(`${server.url}/admin/saml-apps/new`)).status).toBe(403);
      expect((await client.get(`${server.url}/admin/saml-apps/${provider.id}`)).status).toBe(403);
    }
    expect((await admin.get(`${server.url}/admin/saml-apps/nosuchapp1`)).status).toBe(404);
  });

  test('removing asks first, then the app is gone and can no longer sign anyone in; audited', async () => {
    const provider = (await server.services.samlProviders.findByEntityId(sp.entityId))!;
    const confirm = await admin.get(`${server.url}/admin/saml-apps/${provider.id}/delete`);
    expect(confirm.html).toContain(sp.entityId);
    const done = await admin.submit(`/admin/saml-apps/${provider.id}/delete`);
    expect(done.url).toContain('/admin/apps?done=deleted');
    expect(await server.services.samlProviders.find(provider.id)).toBeNull();
    const [event] = await auditOf('saml.app_removed');
    expect(event).toMatchObject({ subjectId: sp.entityId, data: { via: 'console', before: { entityId: sp.entityId }, after: null } });
    const refused = await new WebClient().get(`${sp.url}/login`);
    expect(refused.status).toBe(400);
  });
});
