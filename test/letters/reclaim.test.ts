import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { Letters } from '../../src/letters/letters.js';
import { openPdfPrinter } from '../../src/print/pdf.js';
import { SqlLetterStore } from '../../src/store/letters-repo.js';
import { CHROMIUM_PATH } from '../helpers/browser.js';
import { pdfPages, pdfText, pdfWords, qrCodes, downloadPdf } from '../helpers/pdf-tools.js';
import { ENGINES, startTestServer, type TestServer } from '../helpers/server.js';
import { signIn, WebClient } from '../helpers/web-client.js';

/**
 * The re-claim sheet a teacher prints after the help desk reset a student's account: a PDF from the letters' renderer
 * in the student's home language (else the district's default), English on the back, read back with poppler.
 */
describe.each(ENGINES)('re-claim sheet (%s)', (engine) => {
  let server: TestServer;
  let dir: string;
  const tickets: Record<string, string> = {};
  const NOAH = { username: 'S0100002', name: 'Noah Tremblay' };
  const ANA = { username: 'S0100001', name: 'Ana García' };

  const t = (locale: string, id: string, params?: Record<string, unknown>) => server.services.i18n.t(locale, id, params);
  const idOf = async (username: string) => (await server.services.accounts.findByUsername(username))!.id;
  const nfkc = (text: string) => text.normalize('NFKC');

  async function as(username: string, password: string) {
    const browser = new WebClient();
    await signIn(browser, `${server.url}/staff`, username, password);
    return browser;
  }
  const rivera = () => as('mrivera', 'Teach-Lakeside-2026');

  const download = (browser: WebClient, path: string) => downloadPdf(browser, `${server.url}${path}`, dir);

  const printed = () => server.services.store.db.selectFrom('audit_events').selectAll().where('type', '=', 'letters.reclaim_printed').execute();

  beforeAll(async () => {
    server = await startTestServer(engine);
    dir = mkdtempSync(join(tmpdir(), 'homeroom-reclaim-'));
    await server.services.accounts.create({
      username: 'deskpat',
      givenName: 'Pat',
      familyName: 'Lee',
      roles: ['helpdesk'],
      passwordHash: await server.services.hasher.hash('Help-Desk-Phrase-1'),
    });
    // Noah's family reads Arabic; Ana has no home language on file.
    await server.services.homeLanguages.importMapping(Readable.from(['studentId,language\n100002,ar\n']), null);
    const teacher = await rivera();
    for (const student of [NOAH, ANA]) {
      await teacher.get(`${server.url}/staff/students/${await idOf(student.username)}/reset`);
      const page = await teacher.submit('/staff/tickets', { reason: 'Forgot the challenge answers' });
      tickets[student.username] = /\/staff\/tickets\/([^/"?]+)/.exec(page.url)![1];
    }
    const desk = await as('deskpat', 'Help-Desk-Phrase-1');
    await desk.get(`${server.url}/helpdesk`);
    const body = new URLSearchParams({ _csrf: desk.form('/helpdesk/approve').fields._csrf });
    for (const id of Object.values(tickets)) body.append('ticket', id);
    const done = await desk.request(`${server.url}/helpdesk/approve`, { method: 'POST', body: body.toString() });
    expect(done.html).toContain('2 approved, 0 no longer open.');
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the ticket page offers the sheet in the home language, or names the district language when none is on file', async () => {
    const teacher = await rivera();
    const noah = await teacher.get(`${server.url}/staff/tickets/${tickets[NOAH.username]}`);
    expect(noah.html).toContain(`<option value="auto">${t('en', 'staff.ticket.sheetHome', { language: 'العربية' })}</option>`);
    expect(noah.html).toContain(`action="/staff/tickets/${tickets[NOAH.username]}/sheet"`);
    const ana = await teacher.get(`${server.url}/staff/tickets/${tickets[ANA.username]}`);
    expect(ana.html).toContain(`<option value="auto">${t('en', 'staff.ticket.sheetDefault', { language: 'English' })}</option>`);
  });

  test('Arabic home language: the sheet is in Arabic, right to left, with the username and the steps; English on the back; audited', async () => {
    const teacher = await rivera();
    const before = (await printed()).length;
    const { response, body, file } = await download(teacher, `/staff/tickets/${tickets[NOAH.username]}/sheet?lang=auto`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/pdf');
    expect(response.headers.get('content-disposition')).toBe(`attachment; filename="reclaim-${NOAH.username}-auto.pdf"`);
    expect(body.subarray(0, 5).toString()).toBe('%PDF-');
    expect(pdfPages(file)).toBe(2);

    // pdftotext marks the direction of each run with bidi controls, and takes lam-alef ligatures apart: the messages
    // compared are ones without them.
    const front = nfkc(pdfText(file, 1)).replace(/[\u200e\u200f\u202a-\u202e]/g, '');
    expect(front).toContain(NOAH.username);
    for (const id of ['staff.sheet.stepsHeading', 'staff.sheet.step5']) expect(front).toContain(nfkc(t('ar', id)));
    expect(front).toContain(nfkc(t('ar', 'letters.englishOnBack')).slice(0, 6));
    expect(front).not.toContain(nfkc(t('ar', 'letters.heading')));
    // The heading, the largest type on the page, ends at the right margin and starts past the middle.
    const { width, words } = pdfWords(file, 1);
    const tallest = Math.max(...words.map((w) => w.yMax - w.yMin));
    const heading = words.filter((w) => w.yMax - w.yMin > tallest * 0.9);
    const margin = 18 * (72 / 25.4);
    expect(heading.length).toBeGreaterThan(0);
    expect(Math.max(...heading.map((w) => w.xMax))).toBeCloseTo(width - margin, -1);
    expect(Math.min(...heading.map((w) => w.xMin))).toBeGreaterThan(width / 2);

    const back = pdfText(file, 2);
    expect(back).toContain(t('en', 'staff.sheet.heading', { name: NOAH.name }));
    expect(back).toContain(NOAH.username);
    expect(back).toContain(t('en', 'staff.sheet.step6', { username: NOAH.username }));

    const events = await printed();
    expect(events.length).toBe(before + 1);
    expect(events.at(-1)).toMatchObject({ actor_id: await idOf('mrivera'), subject_id: await idOf(NOAH.username) });
    // The family's language did not become the teacher's.
    expect((await teacher.get(`${server.url}/staff`)).html).toMatch(/<html lang="en"/);
  });

  test('a language asked for wins over the home language: Chinese, with the QR code to the portal', async () => {
    const teacher = await rivera();
    const { response, file } = await download(teacher, `/staff/tickets/${tickets[NOAH.username]}/sheet?lang=zh`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-disposition')).toBe(`attachment; filename="reclaim-${NOAH.username}-zh.pdf"`);
    const front = nfkc(pdfText(file, 1)).replace(/\s+/g, '');
    expect(front).toContain(NOAH.username);
    expect(front).toContain(nfkc(t('zh', 'staff.sheet.heading', { name: '' })).replace(/\s+/g, ''));
    expect(front).toContain(nfkc(t('zh', 'staff.sheet.step6', { username: NOAH.username })).replace(/\s+/g, ''));
    expect(qrCodes(file, 1)).toEqual([server.config.issuer]);
  });

  test('no home language on file: the district default language, English alone on one page when that is English', async () => {
    const teacher = await rivera();
    const { response, file } = await download(teacher, `/staff/tickets/${tickets[ANA.username]}/sheet`);
    expect(response.status).toBe(200);
    expect(pdfPages(file)).toBe(1);
    const text = pdfText(file, 1);
    expect(text).toContain(t('en', 'staff.sheet.heading', { name: ANA.name }));
    expect(text).toContain(ANA.username);
    expect(text).toContain(t('en', 'staff.sheet.stepsHeading'));
  });

  test("a district whose default language is Spanish prints Ana's sheet in Spanish, with English on the back", async () => {
    const services = server.services;
    const settings = { defaultLocale: 'es', timeZone: 'UTC', deadline: null, paper: 'letter' as const, chunk: 50 };
    const letters = new Letters(new SqlLetterStore(services.store.db), services.i18n, server.config, () => settings, services.events);
    const student = await letters.student(await idOf(ANA.username));
    expect(student!.homeLanguage).toBeNull();
    const printer = await openPdfPrinter(CHROMIUM_PATH);
    const file = join(dir, 'reclaim-es.pdf');
    try {
      await letters.printReclaim({ student: student!, resetAt: Date.now(), lang: 'auto', ticketId: tickets[ANA.username] }, printer, createWriteStream(file), { id: null });
    } finally {
      await printer.close();
    }
    expect(pdfPages(file)).toBe(2);
    const front = pdfText(file, 1);
    expect(front).toContain(t('es', 'staff.sheet.heading', { name: ANA.name }));
    expect(front).toContain(ANA.username);
    expect(pdfText(file, 2)).toContain(t('en', 'staff.sheet.heading', { name: ANA.name }));
  });

  test('refused: an unknown language (400), another teacher (403), a ticket not approved (403); nothing is printed', async () => {
    const before = (await printed()).length;
    const teacher = await rivera();
    const unknown = await download(teacher, `/staff/tickets/${tickets[NOAH.username]}/sheet?lang=xx`);
    expect(unknown.response.status).toBe(400);
    expect(unknown.body.toString()).toContain(t('en', 'letters.errors.unknownLanguage', { lang: 'xx' }));

    const nakamura = await server.services.accounts.findByUsername('knakamura');
    await server.services.accounts.setPassword(nakamura!.id, await server.services.hasher.hash('Music-Teacher-2026'));
    const other = await as('knakamura', 'Music-Teacher-2026');
    expect((await download(other, `/staff/tickets/${tickets[NOAH.username]}/sheet`)).response.status).toBe(403);

    // Jean-Luc's request is still open.
    await server.services.accounts.setPassword(await idOf('S0100006'), await server.services.hasher.hash('Jean-Luc-Phrase-26'));
    await teacher.get(`${server.url}/staff/students/${await idOf('S0100006')}/reset`);
    const open = await teacher.submit('/staff/tickets', { reason: 'Forgot the challenge answers' });
    const openId = /\/staff\/tickets\/([^/"?]+)/.exec(open.url)![1];
    const notYet = await download(teacher, `/staff/tickets/${openId}/sheet`);
    expect(notYet.response.status).toBe(403);
    expect(notYet.body.subarray(0, 5).toString()).not.toBe('%PDF-');
    expect((await printed()).length).toBe(before);
  });
});
