import * as oidc from 'openid-client';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO_ROSTER_DIR } from '../../src/demo/seed.js';
import { openStore, type Store } from '../../src/store/database.js';
import { SqlRosterQueries } from '../../src/store/roster-queries.js';
import { generateDistrict, writeRoster } from '../helpers/oneroster-generator.js';
import { ENGINES, startTestServer, type TestServer } from '../helpers/server.js';
import { signIn, WebClient } from '../helpers/web-client.js';
import { startCaptureServer } from '../helpers/capture-server.js';
import { importer, type Importer } from './support.js';
import { authorizationRequest } from '../helpers/authorization.js';

/** A copy of the demo roster without one user (their rows in users, roles and enrollments). */
function demoRosterWithout(sourcedId: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'demo-roster-'));
  cpSync(DEMO_ROSTER_DIR, dir, { recursive: true });
  for (const file of ['users.csv', 'roles.csv', 'enrollments.csv']) {
    const lines = readFileSync(join(dir, file), 'utf8').split('\n');
    writeFileSync(join(dir, file), lines.filter((line) => !line.includes(`,${sourcedId},`) && !line.startsWith(`${sourcedId},`)).join('\n'));
  }
  return dir;
}

describe.each(ENGINES)('roster and the running server (%s)', (engine) => {
  let server: TestServer;
  let importStore: Store;
  let run: Importer;
  beforeAll(async () => {
    server = await startTestServer(engine);
    // The CLI's import runs in another process on its own connection; so does this one.
    importStore = await openStore(server.database.options);
    run = importer(importStore, server.services.events, { ...server.config.roster });
  });
  afterAll(async () => {
    await importStore.close();
    await server.close();
  });

  test('the demo district comes from the shipped OneRoster set: claimable at once, classes of Ms Rivera, the admin added after', async () => {
    const accounts = server.services.accounts;
    const ana = (await accounts.findByUsername('S0100001'))!;
    expect(ana).toMatchObject({
      givenName: 'Ana',
      familyName: 'García',
      grade: '05',
      studentId: '100001',
      roles: ['student'],
      schools: [{ id: 'maple-lakeside', name: 'Lakeside Elementary School' }],
    });
    expect(ana.passwordHash).toBeTruthy();
    const lea = (await accounts.findByUsername('S0100003'))!;
    expect(lea).toMatchObject({ familyName: 'Côté', grade: '04', passwordHash: null });
    const leaRow = await server.services.store.db.selectFrom('accounts').select(['first_seen_at', 'claimable_at']).where('id', '=', lea.id).executeTakeFirstOrThrow();
    expect(leaRow.claimable_at).toBe(leaRow.first_seen_at);
    expect((await accounts.findByUsername('S0100004'))!.familyName).toBe("O'Connor-Diallo");
    expect(await accounts.findByUsername('admin')).toMatchObject({ givenName: 'Dana', roles: ['admin', 'staff'] });
    const rivera = (await accounts.findByUsername('mrivera'))!;
    expect(rivera).toMatchObject({ givenName: 'María', roles: ['teacher'], email: 'mrivera@maple.example' });
    const taught = await new SqlRosterQueries(server.services.store.db).studentsOfTeacher(rivera.id);
    expect(new Set(taught.map((s) => s.username)).size).toBe(12);
    expect(taught.filter((s) => s.classId === 'cls-5-rivera').map((s) => s.username)).toContain('S0100001');
  });

  test('a withdrawn student is signed out of the portal and the demo app at once and cannot sign in; back on the roster, the same password works', async () => {
    const browser = new WebClient();
    const portal = await signIn(browser, `${server.url}/`, 'S0100001', 'Lakeside-Ana-2026');
    expect(portal.html).toContain('Hello, Ana');
    const app = await browser.get(`${server.url}/demo-app/`);
    expect(app.html).toContain('Welcome, Ana!');

    const withdrawn = demoRosterWithout('stu-100001');
    try {
      const report = await run(withdrawn);
      expect(report.errors.items).toEqual([]);
      expect(report.status).toBe('applied');
      expect(report.summary!.accounts).toMatchObject({ disabled: 1, created: 0 });
      expect(report.sessionsRevoked).toBeGreaterThan(0);
    } finally {
      rmSync(withdrawn, { recursive: true, force: true });
    }

    // The portal and the demo app both lost their sessions: they send the browser back to the sign-in page.
    const again = await browser.get(`${server.url}/`);
    expect(again.url).toMatch(/\/interaction\//);
    const appAgain = await browser.get(`${server.url}/demo-app/`);
    expect(appAgain.html).not.toContain('Welcome, Ana!');
    const failed = await signIn(new WebClient(), `${server.url}/`, 'S0100001', 'Lakeside-Ana-2026');
    expect(failed.status).toBe(401);
    expect(failed.html).toContain('Authentication Failed');

    // Back on the roster: re-enabled with the password she chose.
    const back = await run(DEMO_ROSTER_DIR);
    expect(back.summary!.accounts).toMatchObject({ reenabled: 1, disabled: 0 });
    const returning = new WebClient();
    const page = await signIn(returning, `${server.url}/`, 'S0100001', 'Lakeside-Ana-2026');
    expect(page.html).toContain('Hello, Ana');
  });

  test('the apps a withdrawn student was signed in to are told by back-channel logout, though the import ran elsewhere; an unreachable app is tried again later', async () => {
    const backchannel = await startCaptureServer();
    // The capture server is on loopback, so the district lists it as its own network.
    (server.config.oidc.privateNetworkHosts as string[]).push('127.0.0.1');
    try {
      const browser = new WebClient();
      expect((await signIn(browser, `${server.url}/`, 'S0100001', 'Lakeside-Ana-2026')).html).toContain('Hello, Ana');
      const callback = 'http://127.0.0.1:9/cb';
      const { client, clientSecret } = await server.services.clients.register({
        name: 'Notes',
        redirectUris: [callback],
        backchannelLogoutUri: `${backchannel.url}/logout`,
        firstParty: true,
      });
      const config = await oidc.discovery(new URL(server.url), client.clientId, clientSecret!, undefined, { execute: [oidc.allowInsecureRequests] });
      browser.stopAt = callback;
      const request = await authorizationRequest(config, callback, { scope: 'openid' });
      const code = await browser.get(request.url.href);
      browser.stopAt = null;
      const tokens = await request.redeem(code.url);
      const sid = tokens.claims()!.sid;
      expect(sid).toBeTruthy();

      const withdrawn = demoRosterWithout('stu-100001');
      try {
        const report = await run(withdrawn);
        expect(report.summary!.accounts).toMatchObject({ disabled: 1 });
        expect(report.logoutNotices).toBeGreaterThanOrEqual(1);
      } finally {
        rmSync(withdrawn, { recursive: true, force: true });
      }
      // Queued by the import, in its transaction; sent by the server.
      expect(backchannel.received).toEqual([]);
      expect((await server.logoutNotices.drain()).sent).toBeGreaterThanOrEqual(1);
      const notices = backchannel.received.filter((r) => r.url === '/logout');
      expect(notices).toHaveLength(1);
      const token = new URLSearchParams(notices[0].body).get('logout_token')!;
      const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));
      expect(claims).toMatchObject({ sid, sub: tokens.claims()!.sub, aud: client.clientId });
      expect(claims.events).toHaveProperty(['http://schemas.openid.net/event/backchannel-logout']);
      expect(await server.services.store.db.selectFrom('logout_notices').selectAll().execute()).toEqual([]);

      // An app that cannot be reached keeps its notice, to be tried again later.
      await backchannel.close();
      const now = Date.now();
      await server.services.store.db
        .insertInto('logout_notices')
        .values({ account_id: tokens.claims()!.sub, client_id: client.clientId, sid: 'sid-later', created_at: now, next_at: now })
        .execute();
      expect(await server.logoutNotices.drain()).toEqual({ sent: 0, failed: 1 });
      const waiting = await server.services.store.db.selectFrom('logout_notices').selectAll().execute();
      expect(waiting).toEqual([expect.objectContaining({ sid: 'sid-later', attempts: 1 })]);
      expect(Number(waiting[0].next_at)).toBeGreaterThan(Date.now());
      expect(await server.logoutNotices.drain()).toEqual({ sent: 0, failed: 0 });
      await server.services.store.db.deleteFrom('logout_notices').execute();
    } finally {
      (server.config.oidc.privateNetworkHosts as string[]).pop();
      await backchannel.close().catch(() => undefined);
      expect((await run(DEMO_ROSTER_DIR)).summary!.accounts).toMatchObject({ reenabled: 1 });
    }
  });
});

describe.each(ENGINES)('roster.watchDir (%s)', (engine) => {
  let server: TestServer;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'watch-'));
    server = await startTestServer(engine, { demo: false, overrides: { roster: { watchDir: dir, watchInterval: 3600 } } });
  });
  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a zip dropped in the folder is imported once it stops changing, then moved to done/ with its report; a bad one goes to failed/', async () => {
    const good = await writeRoster(generateDistrict({ students: 20, staff: 4, schools: 2, enrollmentsPerStudent: 2 }), {}, { zip: true });
    cpSync(good, join(dir, 'tonight.zip'));
    writeFileSync(join(dir, 'broken.zip'), 'not a zip');
    await server.rosterWatcher!.poll(); // first look: remembers the sizes
    expect(existsSync(join(dir, 'tonight.zip'))).toBe(true);
    await server.rosterWatcher!.poll(); // unchanged since: imported
    expect(existsSync(join(dir, 'tonight.zip'))).toBe(false);
    const report = JSON.parse(readFileSync(join(dir, 'done', 'tonight.zip.report.json'), 'utf8'));
    expect(report).toMatchObject({ status: 'applied', summary: { accounts: { created: 24 } } });
    expect(existsSync(join(dir, 'done', 'tonight.zip'))).toBe(true);
    expect(await server.services.accounts.count()).toBe(24);
    const failed = JSON.parse(readFileSync(join(dir, 'failed', 'broken.zip.report.json'), 'utf8'));
    expect(failed.status).toBe('failed');
    rmSync(good, { force: true });
    rmSync(good.replace(/\.zip$/, ''), { recursive: true, force: true });
  });
});
