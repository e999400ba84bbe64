import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOCALES } from '../../src/i18n/i18n.js';
import type { LetterSelection } from '../../src/letters/letters.js';
import { openPdfPrinter, type PdfPrinter } from '../../src/print/pdf.js';
import { CHROMIUM_PATH } from '../helpers/browser.js';
import { pdfPages, pdfText, pdfWords, qrCodes } from '../helpers/pdf-tools.js';
import { ENGINES, startTestServer, type TestServer } from '../helpers/server.js';

/** Letters to families, printed by Chromium and read back with poppler and zbar. */
describe.each(ENGINES)('letters to families (%s)', (engine) => {
  let server: TestServer;
  let printer: PdfPrinter;
  let dir: string;

  beforeAll(async () => {
    server = await startTestServer(engine);
    printer = await openPdfPrinter(CHROMIUM_PATH);
    dir = mkdtempSync(join(tmpdir(), 'homeroom-letters-'));
  });
  afterAll(async () => {
    await printer?.close();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const t = (locale: string, id: string) => server.services.i18n.t(locale, id);

  /** Prints the selection, keeping only the students named (in that order). */
  async function print(selection: LetterSelection, usernames: string[], name: string): Promise<string> {
    const students = usernames.map((u) => selection.students.find((s) => s.username === u)!);
    const file = join(dir, name);
    await server.services.letters.print({ ...selection, students }, printer, createWriteStream(file), { id: null });
    return file;
  }

  /** Words of the page's heading: the largest type on the page. */
  function heading(file: string, page: number) {
    const { width, words } = pdfWords(file, page);
    const tallest = Math.max(...words.map((w) => w.yMax - w.yMin));
    return { width, words: words.filter((w) => w.yMax - w.yMin > tallest * 0.9) };
  }

  test.each(LOCALES)('%s: the username and the localized heading, English on the back', async (locale) => {
    const selection = await server.services.letters.select({ school: 'LES', lang: locale });
    const file = await print(selection, ['S0100003'], `letters-${locale}.pdf`);
    const front = pdfText(file, 1).normalize('NFKC');
    expect(front).toContain('S0100003');
    expect(front).toContain(t(locale, 'letters.heading').normalize('NFKC'));
    if (locale === 'en') {
      expect(pdfPages(file)).toBe(1);
    } else {
      expect(pdfPages(file)).toBe(2);
      expect(front).toContain(t(locale, 'letters.englishOnBack').normalize('NFKC').slice(0, 6));
      const back = pdfText(file, 2);
      expect(back).toContain(t('en', 'letters.heading'));
      expect(back).toContain('S0100003');
    }
  });

  test('the Arabic page runs right to left: its heading ends at the right margin, the English back starts at the left one', async () => {
    const selection = await server.services.letters.select({ school: 'maple-lakeside', lang: 'ar' });
    const file = await print(selection, ['S0100003'], 'letters-ar-direction.pdf');
    const arabic = heading(file, 1);
    const english = heading(file, 2);
    const margin = 18 * (72 / 25.4);
    expect(arabic.words.length).toBeGreaterThan(0);
    expect(Math.max(...arabic.words.map((w) => w.xMax))).toBeCloseTo(arabic.width - margin, -1);
    expect(Math.min(...arabic.words.map((w) => w.xMin))).toBeGreaterThan(arabic.width / 2);
    expect(Math.min(...english.words.map((w) => w.xMin))).toBeCloseTo(margin, -1);
    expect(Math.max(...english.words.map((w) => w.xMax))).toBeLessThan(english.width / 2);
  });

  test('the QR code decodes to the portal address', async () => {
    const selection = await server.services.letters.select({ school: 'LES', lang: 'zh' });
    const file = await print(selection, ['S0100003'], 'letters-qr.pdf');
    expect(qrCodes(file, 1)).toEqual([server.config.issuer]);
  });

  test('an unclaimed account gets the claim steps; a claimed one the sign-in steps; one-page letters get a blank back among two-page ones', async () => {
    const ana = await server.services.accounts.findByUsername('S0100001');
    const lea = await server.services.accounts.findByUsername('S0100003');
    expect(ana!.claimedAt).not.toBeNull();
    expect(lea!.claimedAt).toBeNull();
    const selection = await server.services.letters.select({ school: 'LES', lang: 'auto' });
    // Ana's letter in English (one side), Léa's in French (two): Ana's back stays blank so Léa's letter starts on a sheet of its own.
    const file = await print(
      { ...selection, students: selection.students.map((s) => (s.username === 'S0100003' ? { ...s, homeLanguage: 'fr' } : s)) },
      ['S0100001', 'S0100003'],
      'letters-claimed.pdf',
    );
    expect(pdfPages(file)).toBe(4);
    const claimed = pdfText(file, 1);
    expect(claimed).toContain('S0100001');
    expect(claimed).toContain(t('en', 'letters.claimed').slice(0, 30));
    expect(claimed).toContain(t('en', 'help.login.step3').slice(0, 30));
    expect(claimed).not.toContain(t('en', 'letters.claimHeading'));
    expect(pdfText(file, 2).trim()).toBe('');
    const unclaimed = pdfText(file, 3);
    expect(unclaimed).toContain(t('fr', 'letters.claimHeading'));
    expect(unclaimed).toContain('Réclamer mon compte');
    expect(unclaimed).not.toContain(t('fr', 'letters.claimed').slice(0, 30));
  });

  test('an unknown school, a class of another school and an unknown language are refused with their codes', async () => {
    await expect(server.services.letters.select({ school: 'nowhere', lang: 'auto' })).rejects.toMatchObject({ status: 404, code: 'UNKNOWN_SCHOOL' });
    await expect(server.services.letters.select({ school: 'maple-district', classId: 'cls-5-rivera', lang: 'auto' })).rejects.toMatchObject({ status: 404, code: 'UNKNOWN_CLASS' });
    await expect(server.services.letters.select({ school: 'LES', lang: 'xx' })).rejects.toMatchObject({ status: 400, code: 'UNKNOWN_LANGUAGE' });
  });
});
