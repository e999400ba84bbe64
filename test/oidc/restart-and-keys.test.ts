import { decodeProtectedHeader } from 'jose';
import * as oidc from 'openid-client';
import { rotateSigningKey } from '../../src/oidc/keys.js';
import { freePort } from '../helpers/process-server.js';
import { freshDatabase, startTestServer, type TestDatabase } from '../helpers/server.js';
import { signIn, WebClient } from '../helpers/web-client.js';
import { authorizationRequest } from '../helpers/authorization.js';

describe('restarts and signing keys (sqlite)', () => {
  let database: TestDatabase;
  let port: number;
  beforeAll(async () => {
    database = await freshDatabase('sqlite');
    port = await freePort();
  });
  afterAll(() => database.drop());

  test('a restart signs nobody out; a rotated key signs after the next start while the old one stays published', async () => {
    const browser = new WebClient();
    const first = await startTestServer('sqlite', { database, port });
    let oldKid: string;
    try {
      const portal = await signIn(browser, `${first.url}/`, 'S0100001', 'Lakeside-Ana-2026');
      expect(portal.html).toContain('Hello, Ana');
      const jwks = JSON.parse((await new WebClient().get(`${first.url}/jwks`)).html) as { keys: { kid: string; d?: string }[] };
      expect(jwks.keys).toHaveLength(1);
      expect(jwks.keys[0].d).toBeUndefined();
      oldKid = jwks.keys[0].kid;
      await rotateSigningKey(first.services.signingKeys);
    } finally {
      await first.close();
    }

    const second = await startTestServer('sqlite', { database, port });
    try {
      // Still signed in to the portal and the provider: the demo app opens without a password.
      expect((await browser.get(`${second.url}/`)).html).toContain('Hello, Ana');
      expect((await browser.get(`${second.url}/demo-app/`)).html).toContain('Welcome, Ana!');

      const jwks = JSON.parse((await new WebClient().get(`${second.url}/jwks`)).html) as { keys: { kid: string }[] };
      expect(jwks.keys.map((k) => k.kid)).toContain(oldKid);
      expect(jwks.keys).toHaveLength(2);
      const newKid = jwks.keys.find((k) => k.kid !== oldKid)!.kid;

      const callback = 'http://127.0.0.1:9/cb';
      const { client, clientSecret } = await second.services.clients.register({ name: 'Key App', redirectUris: [callback], firstParty: true });
      const config = await oidc.discovery(new URL(second.url), client.clientId, clientSecret!, undefined, { execute: [oidc.allowInsecureRequests] });
      browser.stopAt = callback;
      const request = await authorizationRequest(config, callback, { scope: 'openid' });
      const page = await browser.get(request.url.href);
      const tokens = await request.redeem(page.url);
      expect(decodeProtectedHeader(tokens.id_token!).kid).toBe(newKid);
    } finally {
      await second.close();
    }
  });

  test('retired keys are dropped once every token they signed has expired', async () => {
    const server = await startTestServer('sqlite', { database, port });
    try {
      const keys = await server.services.signingKeys.all();
      const retired = keys.filter((k) => k.retiredAt !== null);
      expect(retired).toHaveLength(1);
      await server.services.store.db
        .updateTable('signing_keys')
        .set({ retired_at: Date.now() - 2 * 3600 * 1000 })
        .where('kid', '=', retired[0].kid)
        .execute();
    } finally {
      await server.close();
    }
    const after = await startTestServer('sqlite', { database, port });
    try {
      const jwks = JSON.parse((await new WebClient().get(`${after.url}/jwks`)).html) as { keys: unknown[] };
      expect(jwks.keys).toHaveLength(1);
    } finally {
      await after.close();
    }
  });
});

describe('portal tiles and languages', () => {
  test('tiles are filtered by role; an app’s ui_locales chooses the login language', async () => {
    const server = await startTestServer('sqlite');
    try {
      await server.services.clients.register({ name: 'Staff Gradebook', redirectUris: ['https://gradebook.example/cb'], portal: true, portalRoles: ['teacher'], firstParty: true });
      await server.services.clients.register({ name: 'Reading Club', redirectUris: ['https://reading.example/cb'], portal: true, firstParty: true });
      const student = new WebClient();
      const studentPortal = await signIn(student, `${server.url}/`, 'S0100001', 'Lakeside-Ana-2026');
      expect(studentPortal.html).toContain('Reading Club');
      expect(studentPortal.html).not.toContain('Staff Gradebook');
      const teacher = new WebClient();
      const teacherPortal = await signIn(teacher, `${server.url}/`, 'mrivera', 'Teach-Lakeside-2026');
      expect(teacherPortal.html).toContain('Staff Gradebook');
      expect(teacherPortal.html).toContain('Reading Club');
      expect(teacherPortal.html).toContain('href="https://reading.example/"');

      const callback = 'http://127.0.0.1:9/cb';
      const { client } = await server.services.clients.register({ name: 'Appli', redirectUris: [callback], public: true, firstParty: true });
      const french = new WebClient({ 'accept-language': 'en-US,en;q=0.9' });
      const url = new URL(`${server.url}/auth`);
      url.search = new URLSearchParams({
        client_id: client.clientId,
        response_type: 'code',
        scope: 'openid',
        redirect_uri: callback,
        ui_locales: 'fr-CA fr',
        code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
        code_challenge_method: 'S256',
      }).toString();
      const page = await french.get(url.href);
      expect(page.html).toContain('<html lang="fr" dir="ltr">');
      expect(page.html).toContain('Nom d&#39;utilisateur');
    } finally {
      await server.close();
    }
  });

  test('turning demo mode off removes the demo app tile, whose pages are gone', async () => {
    const database = await freshDatabase('sqlite');
    try {
      const demo = await startTestServer('sqlite', { database });
      await demo.close();
      const real = await startTestServer('sqlite', { database, demo: false });
      try {
        expect(await real.services.clients.find('demo-learning-app')).toBeNull();
        const portal = await signIn(new WebClient(), `${real.url}/`, 'S0100001', 'Lakeside-Ana-2026');
        expect(portal.html).toContain('Hello, Ana');
        expect(portal.html).not.toContain('Maple Learning');
        expect((await fetch(`${real.url}/demo-app/`)).status).toBe(404);
      } finally {
        await real.close();
      }
    } finally {
      await database.drop();
    }
  });
});
