import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pdfText, downloadPdf } from '../helpers/pdf-tools.js';
import { ENGINES, startTestServer, type TestServer } from '../helpers/server.js';
import { signIn, WebClient } from '../helpers/web-client.js';

/** Teachers download their classes' letters from My students; administrators a school's from the console. */
describe.each(ENGINES)('letter downloads (%s)', (engine) => {
  let server: TestServer;
  let dir: string;
  beforeAll(async () => {
    server = await startTestServer(engine);
    dir = mkdtempSync(join(tmpdir(), 'homeroom-letter-downloads-'));
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

  const printed = () => server.services.store.db.selectFrom('audit_events').selectAll().where('type', '=', 'letters.printed').execute();

  test("a teacher downloads a class's letters from My students; another class is refused (403) and nothing is printed", async () => {
    const rivera = await as('mrivera', 'Teach-Lakeside-2026', '/staff');
    const page = await rivera.get(`${server.url}/staff`);
    expect(page.html).toContain('href="/staff/classes/cls-5-rivera/letters"');
    const before = (await printed()).length;

    const { response, body, file } = await download(rivera, '/staff/classes/cls-5-rivera/letters?lang=es');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/pdf');
    expect(response.headers.get('content-disposition')).toBe('attachment; filename="letters-lakeside-elementary-school-5th-grade-homeroom-ms-rivera-es.pdf"');
    expect(body.subarray(0, 5).toString()).toBe('%PDF-');
    const text = pdfText(file);
    expect(text).toContain('S0100001');
    expect(text).toContain(server.services.i18n.t('es', 'letters.heading'));
    // Léa is in Ms Rivera's science class, not her homeroom.
    expect(text).not.toContain('S0100003');
    expect((await printed()).length).toBe(before + 1);

    const music = await download(rivera, '/staff/classes/cls-music-nakamura/letters');
    expect(music.response.status).toBe(403);
    expect(music.body.subarray(0, 5).toString()).not.toBe('%PDF-');
    expect((await printed()).length).toBe(before + 1);
  });

  test("an administrator downloads a school's letters from the console; a student cannot", async () => {
    const admin = await as('admin', 'Admin-Maple-2026', '/admin');
    const form = await admin.get(`${server.url}/admin/letters`);
    expect(form.status).toBe(200);
    expect(form.html).toContain('<option value="maple-lakeside">Lakeside Elementary School</option>');
    const { response, file } = await download(admin, '/admin/letters/download?school=maple-lakeside&lang=auto');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-disposition')).toBe('attachment; filename="letters-lakeside-elementary-school-auto.pdf"');
    const text = pdfText(file);
    for (const username of ['S0100001', 'S0100003']) expect(text).toContain(username);
    const events = await printed();
    expect(events.at(-1)).toMatchObject({ actor_id: (await server.services.accounts.findByUsername('admin'))!.id });

    const unknown = await download(admin, '/admin/letters/download?school=nowhere');
    expect(unknown.response.status).toBe(404);

    const student = await as('S0100001', 'Lakeside-Ana-2026', '/');
    expect((await download(student, '/admin/letters/download?school=maple-lakeside')).response.status).toBe(403);
  });
});
