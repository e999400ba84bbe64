import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../../src/config/load.js';
import { createI18n, loadCatalog } from '../../src/i18n/i18n.js';
import { startTestServer } from '../helpers/server.js';
import { WebClient } from '../helpers/web-client.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'homeroom-overrides-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const write = (name: string, content: unknown) => writeFileSync(join(dir, name), typeof content === 'string' ? content : JSON.stringify(content));

/** The problems a district folder is refused for (empty when it is accepted). */
async function problems(): Promise<string[]> {
  try {
    await createI18n({ overridesDir: dir });
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}

/** English's catalog with every message prefixed: a stand-in for a complete translation into a new language. */
function wholeCatalog(mark: string): Record<string, unknown> {
  const walk = (tree: Record<string, unknown>): Record<string, unknown> =>
    Object.fromEntries(Object.entries(tree).map(([k, v]) => [k, typeof v === 'string' ? `${mark} ${v}` : walk(v as Record<string, unknown>)]));
  return walk(loadCatalog('en'));
}

describe('district messages', () => {
  test("override any message of a shipped language, nested or dotted; the rest stays Homeroom's", async () => {
    write('en.json', { login: { heading: 'Sign in to Maple Valley' }, 'portal.greeting': 'Welcome back, {{name}}' });
    write('fr.json', { errors: { tooManyAttempts_one: 'Trop d’essais : réessayez dans une minute.' } });
    const i18n = await createI18n({ overridesDir: dir });
    expect(i18n.t('en', 'login.heading')).toBe('Sign in to Maple Valley');
    expect(i18n.t('en', 'portal.greeting', { name: 'Ana' })).toBe('Welcome back, Ana');
    expect(i18n.t('en', 'login.title')).toBe('Sign in');
    expect(i18n.t('fr', 'errors.tooManyAttempts', { count: 1 })).toBe('Trop d’essais : réessayez dans une minute.');
    expect(i18n.t('fr', 'errors.tooManyAttempts', { count: 15 })).toBe('Trop de tentatives. Veuillez réessayer dans 15 minutes.');
  });

  test('a whole new language: offered after the shipped ones, named in its own script, with its direction', async () => {
    write('so.json', wholeCatalog('[so]'));
    write('fa.json', wholeCatalog('[fa]'));
    const i18n = await createI18n({ overridesDir: dir, defaultLocale: 'so' });
    const added = i18n.locales.slice(-2);
    expect(added).toEqual([
      { code: 'fa', name: 'فارسی', dir: 'rtl' },
      { code: 'so', name: 'Soomaali', dir: 'ltr' },
    ]);
    expect(i18n.t('so', 'login.heading')).toBe('[so] Sign in');
    expect(i18n.t('xx', 'login.heading')).toBe('[so] Sign in'); // the default
  });

  test.each<[string, Record<string, unknown> | string, RegExp]>([
    ['en.json', '{"login": {"heading": "Sign in",}}', /en\.json: not valid JSON/],
    ['en.json', { login: { headng: 'Sign in' } }, /en\.json: login\.headng: no such message id in English/],
    ['fr.json', { portal: { greeting: 'Bonjour, {{nom}}' } }, /fr\.json: portal\.greeting: placeholders \{nom\} differ from English \{name\}/],
    ['fr.json', { portal: { greeting: 'Bonjour !' } }, /fr\.json: portal\.greeting: placeholders \{\} differ from English \{name\}/],
    ['en.json', { login: { heading: 42 } }, /en\.json: login\.heading: a message must be text/],
    ['en.json', { login: { heading: '  ' } }, /en\.json: login\.heading: empty message/],
    ['fr.json', { errors: { tooManyAttempts_two: 'x {{count}}' } }, /fr\.json: errors\.tooManyAttempts_two: "fr" has no "two" plural form/],
    ['fr.json', { errors: { tooManyAttempts: 'x {{count}}' } }, /fr\.json: errors\.tooManyAttempts: give the plural forms/],
    ['so.json', { login: { heading: 'Gal' } }, /so\.json: "so" is a new language, so every message must be translated; missing: /],
    ['Not A Tag.json', {}, /is not a language tag/],
  ])('%s %j is refused at start, naming the file and the key', async (file, content, message) => {
    write(file, content);
    const found = await problems();
    expect(found).toEqual([expect.stringMatching(message)]);
    expect(found[0]).toContain(join(dir, file));
    expect(found[0]).toMatch(/^i18n\.overridesDir: /);
  });

  test('a default language nobody serves is refused', async () => {
    await expect(createI18n({ defaultLocale: 'so' })).rejects.toThrow(/i18n\.defaultLocale: "so" is not one of the languages served/);
  });

  test('the pages use the district wording', async () => {
    write('en.json', { login: { heading: 'Sign in to Maple Valley' } });
    const server = await startTestServer('sqlite', { overrides: { i18n: { overridesDir: dir } } });
    try {
      const page = await new WebClient({ 'accept-language': 'en' }).get(`${server.url}/`);
      expect(page.html).toContain('<h1>Sign in to Maple Valley</h1>');
    } finally {
      await server.close();
    }
  });

  test('homeroom start refuses to start on a bad file, and says which file and which key', () => {
    mkdirSync(join(dir, 'data'));
    write('fr.json', { login: { heading: 'Connexion', titel: 'Connexion' } });
    const config = join(dir, 'data', 'homeroom.yaml');
    writeFileSync(config, `i18n:\n  overridesDir: ${JSON.stringify(dir)}\n`);
    const result = spawnSync(process.execPath, [join(ROOT, 'bin', 'homeroom.js'), 'start'], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? dir,
        HOMEROOM_CONFIG: config,
        HOMEROOM_DATA_DIR: join(dir, 'data'),
        HOMEROOM_DEMO: '0',
        PORT: '0',
        LOG_LEVEL: 'silent',
      },
      encoding: 'utf8',
      timeout: 90_000,
    });
    expect(result.error).toBeUndefined();
    expect(result.status).toBe(78);
    expect(result.stderr).toContain(`${join(dir, 'fr.json')}: login.titel: no such message id in English`);
  }, 120_000);
});
