import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { ENGINES, startTestServer, type TestServer } from '../helpers/server.js';
import { idpCertificates, startTestSp, type TestSp } from '../helpers/saml-sp.js';
import { signIn, WebClient } from '../helpers/web-client.js';

const run = promisify(execFile);

/** `homeroom saml …` against the test server's database, as an administrator runs it. */
describe.each(ENGINES)('homeroom saml and keys rotate (%s)', (engine) => {
  let server: TestServer;
  let sp: TestSp;
  let dir: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    server = await startTestServer(engine);
    sp = await startTestSp(server.url, (await idpCertificates(server.url))[0], 'cli');
    dir = mkdtempSync(join(tmpdir(), 'homeroom-saml-cli-'));
    const database = engine === 'sqlite' ? { dataDir: dirname(server.database.options.file!) } : { url: server.database.options.url, schema: server.database.options.schema };
    writeFileSync(join(dir, 'homeroom.json'), JSON.stringify({ database, server: { issuer: server.url } }));
    env = { ...process.env, HOMEROOM_CONFIG: join(dir, 'homeroom.json'), HOMEROOM_DEMO: '0', LOG_LEVEL: 'silent' };
  });
  afterAll(async () => {
    await sp?.close();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Each command is a process of its own (a few seconds each on a busy machine): the tests here allow for it. */
  const CLI_TIMEOUT = 180_000;
  const homeroom = (...args: string[]) => run(process.execPath, ['bin/homeroom.js', ...args], { env, encoding: 'utf8' });

  test(
    'saml add --metadata registers the app from its metadata; it signs in at once, with signed requests required',
    async () => {
      const metadata = join(dir, 'sp.xml');
      writeFileSync(metadata, sp.saml.generateServiceProviderMetadata(null, sp.key.certificate));
      const added = JSON.parse((await homeroom('saml', 'add', '--name', 'Library', '--metadata', metadata, '--portal', '--portal-role', 'student', '--json')).stdout);
      expect(added).toMatchObject({
        entity_id: sp.entityId,
        name: 'Library',
        acs_urls: [sp.acsUrl],
        slo_url: sp.sloUrl,
        signed_requests: true,
        name_id: 'username',
        portal: true,
        portal_roles: ['student'],
      });

      const browser = new WebClient();
      await signIn(browser, `${sp.url}/login`, 'S0100001', 'Lakeside-Ana-2026');
      expect((await browser.submit(sp.acsUrl)).html).toContain('Signed in as S0100001');
      expect((await browser.get(`${server.url}/`)).html).toContain(added.launch_url);
    },
    CLI_TIMEOUT,
  );

  test(
    'saml disable turns the app off (its requests refused, its tile gone) and saml enable turns it back on; both audited',
    async () => {
      const browser = new WebClient();
      await signIn(browser, `${server.url}/`, 'S0100001', 'Lakeside-Ana-2026');
      const provider = (await server.services.samlProviders.findByEntityId(sp.entityId))!;
      expect((await browser.get(`${server.url}/`)).html).toContain(`/saml/launch/${provider.id}`);
      const sessionsBefore = sp.sessions.size;

      expect(JSON.parse((await homeroom('saml', 'disable', sp.entityId, '--json')).stdout)).toEqual({ entity_id: sp.entityId, enabled: false, changed: true });
      expect((await homeroom('saml', 'disable', sp.entityId)).stdout).toContain('already disabled');
      expect((await browser.get(`${server.url}/`)).html).not.toContain(`/saml/launch/${provider.id}`);
      expect((await browser.get(`${server.url}/saml/launch/${provider.id}`)).status).toBe(404);
      const refused = await browser.get(`${sp.url}/login`);
      expect(refused.status).toBe(400);
      expect(refused.html).toContain('This app is turned off in Homeroom.');
      expect(sp.sessions.size).toBe(sessionsBefore);

      expect((await homeroom('saml', 'enable', sp.entityId)).stdout).toContain(`${sp.entityId} is now enabled.`);
      await browser.get(`${sp.url}/login`);
      expect((await browser.submit(sp.acsUrl)).html).toContain('Signed in as S0100001');
      for (const [type, enabled] of [
        ['saml.app_disabled', false],
        ['saml.app_enabled', true],
      ] as const) {
        const events = await server.services.audit.recent({ type });
        expect(events.map((e) => [e.subjectId, e.data])).toEqual([[sp.entityId, { via: 'cli', before: { enabled: !enabled }, after: { enabled } }]]);
      }
      const unknown = await homeroom('saml', 'disable', 'https://nobody.example/sp').catch((error) => error);
      expect(unknown.code).toBe(2);
    },
    CLI_TIMEOUT,
  );

  test(
    'saml add by fields, list and remove; removing an unknown app exits 2',
    async () => {
      await homeroom(
        'saml',
        'add',
        '--name',
        'Assessments',
        '--entity-id',
        'https://assess.example/sp',
        '--acs-url',
        'https://assess.example/acs',
        '--slo-url',
        'https://assess.example/slo',
        '--name-id',
        'persistent',
        '--attribute',
        'mail=email',
        '--attribute',
        'grade=',
        '--sign',
        'assertion',
        '--signature-algorithm',
        'rsa-sha512',
      );
      const listed = JSON.parse((await homeroom('saml', 'list', '--json')).stdout) as Record<string, unknown>[];
      const assessments = listed.find((r) => r.entity_id === 'https://assess.example/sp')!;
      expect(assessments).toMatchObject({ name_id: 'persistent', signed_requests: false, signs: 'assertion', signature_algorithm: 'rsa-sha512' });
      expect(assessments.attributes).toMatchObject({ uid: 'uid', mail: 'email' });
      expect(assessments.attributes).not.toHaveProperty('grade');
      const bad = await homeroom('saml', 'add', '--name', 'Bad', '--entity-id', 'https://bad.example', '--acs-url', 'http://bad.example/acs').catch((error) => error);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain('INVALID_SAML_APP');
      expect(JSON.parse((await homeroom('saml', 'remove', 'https://assess.example/sp', '--json')).stdout)).toEqual({ removed: 'https://assess.example/sp' });
      const gone = await homeroom('saml', 'remove', 'https://assess.example/sp').catch((error) => error);
      expect(gone.code).toBe(2);
    },
    CLI_TIMEOUT,
  );

  test(
    'keys rotate publishes the next SAML certificate at once and signs with it only after the rollover',
    async () => {
      const [current] = await idpCertificates(server.url);
      const rotated = JSON.parse((await homeroom('keys', 'rotate', '--json')).stdout) as { kid: string; saml: { kid: string; activeFrom: string; certificate: string } };
      expect(Date.parse(rotated.saml.activeFrom) - Date.now()).toBeGreaterThan(13 * 86400_000);
      const published = await idpCertificates(server.url);
      expect(published).toHaveLength(2);
      expect(published[0]).toBe(current);
      const next = published[1];
      expect(rotated.saml.certificate.replace(/-----[^-]+-----|\s/g, '')).toBe(next);
      // Apps pin it by hand for years: ten years of validity, and a positive 16-byte serial number in DER's shortest form.
      const certificate = new X509Certificate(rotated.saml.certificate);
      expect(certificate.serialNumber).toMatch(/^[4-7][0-9A-F]{31}$/);
      expect(Date.parse(certificate.validTo) - Date.now()).toBeGreaterThan(9.9 * 365 * 86400_000);

      // An app that knows only the next certificate refuses what the current key signs …
      sp.configure({ idpCert: next });
      const browser = new WebClient();
      await signIn(browser, `${server.url}/`, 'S0100001', 'Lakeside-Ana-2026');
      await browser.get(`${sp.url}/login`);
      expect((await browser.submit(sp.acsUrl)).status).toBe(400);
      expect(sp.errors.at(-1)).toMatch(/signature/i);

      // … until the rollover time comes: then the next key signs, without a restart, and the old one leaves the metadata.
      await server.services.store.db
        .updateTable('saml_signing_keys')
        .set({ active_from: Date.now() - 1000 })
        .where('kid', '=', rotated.saml.kid)
        .execute();
      await browser.get(`${sp.url}/login`);
      expect((await browser.submit(sp.acsUrl)).html).toContain('Signed in as S0100001');
      expect(await idpCertificates(server.url)).toEqual([next]);
    },
    CLI_TIMEOUT,
  );
});
