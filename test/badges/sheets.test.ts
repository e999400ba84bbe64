import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { pdfPages, pdfText, qrCodes, downloadPdf } from '../helpers/pdf-tools.js';
import { ENGINES, startTestServer, type TestServer } from '../helpers/server.js';
import { signIn, WebClient } from '../helpers/web-client.js';

const run = promisify(execFile);
/** The demo's fourth-graders, all in Ms Rivera's science class. */
const CLASS_4 = ['S0100003', 'S0100004', 'S0100009', 'S0100010', 'S0100011', 'S0100012'];

/** Badge sheets: one card per student of a badge grade, with a QR code a camera reads and the same code typed. */
describe.each(ENGINES)('badge sheets (%s)', (engine) => {
  let server: TestServer;
  let dir: string;
  beforeAll(async () => {
    server = await startTestServer(engine, { overrides: { signIn: { badgeGrades: ['04'] } } });
    dir = mkdtempSync(join(tmpdir(), 'homeroom-badge-sheets-'));
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function as(username: string, password: string, start: string) {
    const browser = new WebClient();
    await signIn(browser, `${server.url}${start}`, username, password);
    return browser;
  }

  const download = (browser: WebClient, path: string) => downloadPdf(browser, `${server.url}${path}`, dir);

  const codeOf = async (username: string) => {
    const account = (await server.services.accounts.findByUsername(username))!;
    return (await server.services.badges.forPrinting([{ accountId: account.id, grade: account.grade }], { id: null })).get(account.id)!;
  };

  test("a teacher prints a class's badges from My students: each card's name, typed code and QR code, the QR code signing in", async () => {
    const rivera = await as('mrivera', 'Teach-Lakeside-2026', '/staff');
    const page = await rivera.get(`${server.url}/staff`);
    expect(page.html).toContain('href="/staff/classes/cls-4-sci-rivera/badges"');
    expect(page.html).not.toContain('href="/staff/classes/cls-5-rivera/badges"');

    const { response, file } = await download(rivera, '/staff/classes/cls-4-sci-rivera/badges');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/pdf');
    expect(pdfPages(file)).toBe(1);
    // The class's six fourth-graders, one card each.
    const badges = await Promise.all(CLASS_4.map(codeOf));
    const lea = badges[0];
    const text = pdfText(file);
    for (const expected of ['Léa Côté', 'Malik', 'Siobhán', 'Иванова', 'MAPLE VALLEY SCHOOLS', 'Badge code', ...badges.map((b) => b.code)]) expect(text).toContain(expected);
    expect(text).not.toContain('García');
    expect(qrCodes(file, 1).sort()).toEqual(badges.map((b) => b.url).sort());

    const issued = await server.services.audit.recent({ type: 'badge.issued' });
    expect(issued.map((e) => e.actorId)).toEqual(expect.arrayContaining([(await server.services.accounts.findByUsername('mrivera'))!.id]));
    const [printed] = await server.services.audit.recent({ type: 'badges.printed' });
    expect(printed.data).toMatchObject({ classId: 'cls-4-sci-rivera', students: 6, pages: 1 });

    // The QR code's address signs in (its fragment is the code).
    const student = new WebClient();
    await student.get(`${server.url}/badge`);
    expect((await student.submit('/badge', { code: lea.url })).html).toContain('Hello, Léa');
  });

  test("another teacher's class is refused (403); a class without badge grades says so (404), in French too", async () => {
    const rivera = await as('mrivera', 'Teach-Lakeside-2026', '/staff');
    expect((await download(rivera, '/staff/classes/cls-music-nakamura/badges')).response.status).toBe(403);
    const none = await rivera.get(`${server.url}/staff/classes/cls-5-rivera/badges?lang=fr`);
    expect(none.status).toBe(404);
    expect(none.html).toContain('Aucun élève ici ne se connecte avec un badge');
  });

  test("a teacher voids or replaces a student's badge from My students (audited); not another teacher's student", async () => {
    const rivera = await as('mrivera', 'Teach-Lakeside-2026', '/staff');
    const before = await codeOf('S0100003');
    const lea = (await server.services.accounts.findByUsername('S0100003'))!;
    await rivera.get(`${server.url}/staff`);
    const replaced = await rivera.request(`${server.url}/staff/students/${lea.id}/badge`, {
      method: 'POST',
      body: new URLSearchParams({ ...rivera.form(`/staff/students/${lea.id}/badge`).fields, action: 'regenerate' }).toString(),
    });
    expect(replaced.url).toContain('badge=regenerated');
    expect(replaced.html).toContain('A new badge was made');
    const after = await codeOf('S0100003');
    expect(after.code).not.toBe(before.code);

    await rivera.get(`${server.url}/staff`);
    const voided = await rivera.request(`${server.url}/staff/students/${lea.id}/badge`, {
      method: 'POST',
      body: new URLSearchParams({ ...rivera.form(`/staff/students/${lea.id}/badge`).fields, action: 'void' }).toString(),
    });
    expect(voided.html).toContain('The badge is void');
    const student = new WebClient();
    await student.get(`${server.url}/badge`);
    expect((await student.submit('/badge', { code: after.code })).status).toBe(401);
    const events = await server.services.audit.recent({ subjectId: lea.id });
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['badge.regenerated', 'badge.voided']));

    const ana = (await server.services.accounts.findByUsername('S0100001'))!;
    const nakamuraless = await rivera.request(`${server.url}/staff/students/${(await server.services.accounts.findByUsername('admin'))!.id}/badge`, {
      method: 'POST',
      body: new URLSearchParams({ ...rivera.form('/staff/students/').fields, action: 'void' }).toString(),
    });
    expect(nakamuraless.status).toBe(403);
    expect(ana.grade).toBe('05');
  });

  test("an administrator prints a school's badges from the console", async () => {
    const admin = await as('admin', 'Admin-Maple-2026', '/admin');
    const page = await admin.get(`${server.url}/admin/badges`);
    expect(page.html).toContain('Badge sheets');
    const { response, file } = await download(admin, '/admin/badges/download?school=maple-lakeside');
    expect(response.status).toBe(200);
    expect(qrCodes(file, 1)).toHaveLength(6);
  });

  if (engine === 'sqlite') {
    test('homeroom badges print --class ID --out FILE.pdf', async () => {
      const work = mkdtempSync(join(dir, 'cli-'));
      const configFile = join(work, 'homeroom.json');
      writeFileSync(configFile, JSON.stringify({ signIn: { badgeGrades: ['04'] } }));
      const env: NodeJS.ProcessEnv = { ...process.env, NODE_OPTIONS: '', LOG_LEVEL: 'warn', HOMEROOM_DEMO: '1', HOMEROOM_DATA_DIR: work, HOMEROOM_CONFIG: configFile };
      delete env.DATABASE_URL;
      await run(process.execPath, ['bin/homeroom.js', 'demo', 'seed'], { env });
      const out = join(work, 'class.pdf');
      const { stdout } = await run(process.execPath, ['bin/homeroom.js', 'badges', 'print', '--class', 'cls-4-sci-rivera', '--out', out], { env });
      expect(stdout).toContain('6 badges, 1 pages');
      expect(qrCodes(out, 1)).toHaveLength(6);
      expect(pdfText(out)).toContain('Léa Côté');
      const refused = await run(process.execPath, ['bin/homeroom.js', 'badges', 'print', '--out', out], { env }).catch((error: { code: number; stderr: string }) => error);
      expect(refused).toMatchObject({ code: 1, stderr: expect.stringContaining('give one of --class ID or --school ID') });
    }, 120_000);
  }
});
