import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { LOCALES } from '../../src/i18n/i18n.js';
import { normalizeLanguage } from '../../src/home-language/normalize.js';
import { importRosterLanguages } from '../../src/home-language/roster-column.js';
import { ENGINES, startTestServer, type TestServer } from '../helpers/server.js';
import { startClaim } from '../helpers/claim.js';
import { signIn, WebClient } from '../helpers/web-client.js';

describe('home language values', () => {
  test.each([
    ['es', 'es'],
    ['spa', 'es'],
    ['Spanish', 'es'],
    ['Español', 'es'],
    [' SPANISH ', 'es'],
    ['es-MX', 'es'],
    ['ara', 'ar'],
    ['Arabic', 'ar'],
    ['العربية', 'ar'],
    ['cmn', 'zh'],
    ['Chinese', 'zh'],
    ['中文', 'zh'],
    ['kor', 'ko'],
    ['한국어', 'ko'],
    ['por', 'pt'],
    ['Português', 'pt'],
    ['vie', 'vi'],
    ['Vietnamese', 'vi'],
    ['fra', 'fr'],
    ['eng', 'en'],
  ])('%s → %s', (value, code) => {
    expect(normalizeLanguage(value, LOCALES)).toBe(code);
  });

  test.each(['', 'Klingon', 'Other', 'xx', 'tlh'])('%j names no language served', (value) => {
    expect(normalizeLanguage(value, LOCALES)).toBeNull();
  });

  test('a language without a catalog is none, however it is written', () => {
    expect(normalizeLanguage('Somali', ['en', 'fr'])).toBeNull();
    expect(normalizeLanguage('Spanish', ['en', 'fr'])).toBeNull();
  });
});

/** A mapping file by student number sets the students' home languages; the portal opens in it until the switcher says otherwise. */
describe.each(ENGINES)('home languages (%s)', (engine) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(engine);
  });
  afterAll(() => server?.close());

  const portalLang = (html: string) => /<html lang="([^"]+)"/.exec(html)?.[1];

  test('a studentId,language file is read, unknown languages and students are counted, and the import is audited', async () => {
    const file = 'language,studentId\nSpanish,100001\nspa,100005\nKlingon,100002\nar,999999\n';
    const report = await server.services.homeLanguages.importMapping(Readable.from([file]), null);
    expect(report).toEqual({ rows: 4, stored: 2, blank: 0, unknownLanguage: 1, unknownStudent: 1, languages: { ar: 1, es: 2 } });
    const ana = await server.services.accounts.findByUsername('S0100001');
    expect(await server.services.homeLanguages.of(ana!.id)).toBe('es');
    const noah = await server.services.accounts.findByUsername('S0100002');
    expect(await server.services.homeLanguages.of(noah!.id)).toBeNull();
    const audit = await server.services.store.db.selectFrom('audit_events').selectAll().where('type', '=', 'home_languages.imported').execute();
    expect(audit).toHaveLength(1);
  });

  test('a file without the two columns is refused, and nothing is stored', async () => {
    await expect(server.services.homeLanguages.importMapping(Readable.from(['id,lang\n100002,fr\n']), null)).rejects.toThrow(/studentid and language/);
    const noah = await server.services.accounts.findByUsername('S0100002');
    expect(await server.services.homeLanguages.of(noah!.id)).toBeNull();
  });

  test("the portal opens in the student's home language; the switcher's choice wins from then on", async () => {
    const browser = new WebClient({ 'accept-language': 'en-US,en;q=0.9' });
    const portal = await signIn(browser, `${server.url}/`, 'S0100001', 'Lakeside-Ana-2026');
    expect(portal.status).toBe(200);
    expect(portalLang(portal.html)).toBe('es');
    expect(portal.html).toContain(server.services.i18n.t('es', 'portal.title'));
    expect(portalLang((await browser.get(`${server.url}/?lang=fr`)).html)).toBe('fr');
    expect(portalLang((await browser.get(`${server.url}/`)).html)).toBe('fr');
    // Another student without a home language on another browser: the browser's language, as before.
    const noah = await signIn(new WebClient({ 'accept-language': 'en-US' }), `${server.url}/`, 'S0100002', 'Lakeside-Noah-2026');
    expect(portalLang(noah.html)).toBe('en');
  });

  test('a claim turns to the home language once the student is identified, not before', async () => {
    await server.services.homeLanguages.importMapping(Readable.from(['studentId,language\n100003,Arabic\n']), null);
    const browser = new WebClient({ 'accept-language': 'en-US' });
    const identify = await browser.get(`${server.url}/claim`);
    expect(portalLang(identify.html)).toBe('en');
    const password = await startClaim(browser, server.url, { familyName: 'Côté', givenName: 'Léa', studentId: '100003' });
    expect(password.url).toMatch(/\/claim\/[^/]+$/);
    expect(password.html).toContain('dir="rtl"');
    expect(portalLang(password.html)).toBe('ar');
    expect(portalLang((await browser.get(`${password.url}?lang=en`)).html)).toBe('en');
  });

  test("a users.csv column (roster.homeLanguageColumn) sets the home languages of the roster's students", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'homeroom-roster-languages-'));
    try {
      cpSync(fileURLToPath(new URL('../../src/demo/roster', import.meta.url)), dir, { recursive: true });
      const [header, ...rows] = readFileSync(join(dir, 'users.csv'), 'utf8').trimEnd().split('\n');
      const value = (row: string) => (row.startsWith('stu-100002,') ? 'Vietnamese' : row.startsWith('stu-100004,') ? 'Somali' : '');
      writeFileSync(join(dir, 'users.csv'), [`${header},metadata.homeLanguage`, ...rows.map((r) => `${r},${value(r)}`)].join('\n') + '\n');
      const report = await importRosterLanguages(server.services.homeLanguages, dir, 'metadata.homeLanguage');
      expect(report).toMatchObject({ rows: rows.length, stored: 1, blank: rows.length - 2, unknownLanguage: 1, unknownStudent: 0, languages: { vi: 1 } });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const noah = await signIn(new WebClient({ 'accept-language': 'en-US' }), `${server.url}/`, 'S0100002', 'Lakeside-Noah-2026');
    expect(portalLang(noah.html)).toBe('vi');
  });
});
