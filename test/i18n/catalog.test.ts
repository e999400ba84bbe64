import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUILT_IN_TOPICS } from '../../src/help/links.js';
import { createI18n, LOCALES, loadCatalog, negotiate, type Locale } from '../../src/i18n/i18n.js';
import { dateTimeFormat } from '../../src/i18n/format.js';
import { CATALOG_DIR, pluralLocale } from '../../src/i18n/locales.js';
import { SCOPE_CLAIMS } from '../../src/oidc/claims.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PLURAL_SUFFIX = /_(zero|one|two|few|many|other)$/;

/** Nested catalog → { 'a.b.c': 'text' }. Anything that is not a string or an object is reported as such. */
function flatten(tree: Record<string, unknown>, prefix = ''): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const [key, value] of Object.entries(tree)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      for (const [k, v] of flatten(value as Record<string, unknown>, path)) out.set(k, v);
    } else {
      out.set(path, value);
    }
  }
  return out;
}

const catalogs = Object.fromEntries(LOCALES.map((locale) => [locale, flatten(loadCatalog(locale))])) as Record<Locale, Map<string, unknown>>;

/** The id a plural form belongs to: errors.tooManyAttempts_one → errors.tooManyAttempts. */
const baseOf = (key: string) => key.replace(PLURAL_SUFFIX, '');

/** Message ids of a catalog, plural forms folded into their base id. */
const idsOf = (locale: Locale) => new Set([...catalogs[locale].keys()].map(baseOf));

/** Placeholder names ({{name}} or {{name, format}}) across all forms of an id. */
function placeholders(locale: Locale, id: string): string[] {
  const names = new Set<string>();
  for (const [key, value] of catalogs[locale]) {
    if (baseOf(key) !== id || typeof value !== 'string') continue;
    for (const match of value.matchAll(/\{\{\s*([^},\s]+)[^}]*\}\}/g)) names.add(match[1]);
  }
  return [...names].sort();
}

/** True when `id` resolves in the catalog, directly or as a plural (every language has the `other` form). */
function exists(locale: Locale, id: string): boolean {
  const catalog = catalogs[locale];
  if (typeof catalog.get(id) === 'string') return true;
  return typeof catalog.get(`${id}_other`) === 'string';
}

function filesUnder(dir: string, extension: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(extension))
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
}

interface Use {
  id: string;
  where: string;
  /** A literal followed by `+ something`: only the start of the id is known (and maybe its end). */
  prefix: boolean;
  suffix?: string;
}

/** Whether a catalog key (plural forms included) is the message a use names. */
function named(use: Use, key: string): boolean {
  const id = baseOf(key);
  if (!use.prefix) return id === use.id;
  const suffix = use.suffix ?? '';
  return id.length > use.id.length + suffix.length && id.startsWith(use.id) && id.endsWith(suffix);
}

/** Every message id the code and the views name. */
function messageIdsInUse(): Use[] {
  const uses: Use[] = [];
  const add = (id: string, file: string, prefix = false, suffix?: string) => uses.push({ id, where: relative(ROOT, file), prefix, suffix });

  for (const file of filesUnder(join(ROOT, 'views'), '.ejs')) {
    const text = readFileSync(file, 'utf8');
    // t('id'), t('admin.roles.' + role), t('admin.roster.' + id + '.heading')
    for (const m of text.matchAll(/\bt\(\s*(['"])([^'"]+)\1\s*(\+\s*[\w.[\]]+\s*(?:\+\s*(['"])([^'"]+)\4)?)?/g)) add(m[2], file, Boolean(m[3]), m[5]);
  }

  for (const file of filesUnder(join(ROOT, 'src'), '.ts')) {
    const text = readFileSync(file, 'utf8');
    // t('id'), i18n.t(locale, 'id'), (ctx.state.t as …)('id')
    for (const m of text.matchAll(/\bt\(\s*(['"])([a-zA-Z][\w.]*)\1/g)) add(m[2], file);
    for (const m of text.matchAll(/\bt\(\s*\w+\s*,\s*(['"])([a-zA-Z][\w.]*)\1/g)) add(m[2], file);
    for (const m of text.matchAll(/\)\(\s*(['"])([a-zA-Z]+\.[\w.]+)\1\s*\)/g)) add(m[2], file);
    // t(`help.${topic}.title`): only the start of the id is known.
    for (const m of text.matchAll(/\bt\(\s*(?:\w+\s*,\s*)?`([a-zA-Z][\w.]*)\$\{[^}]+\}([\w.]*)`/g)) add(m[1], file, true, m[2]);
    // new AppError(status, 'CODE', 'messageId'), badRequest('CODE', 'messageId'), messageId = 'default'
    for (const m of text.matchAll(/new AppError\(\s*[^,]+,\s*[^,]+,\s*(['"])([^'"]+)\1/g)) add(m[2], file);
    for (const m of text.matchAll(/\bbadRequest\(\s*(['"])[^'"]*\1\s*,\s*(['"])([^'"]+)\2/g)) add(m[3], file);
    for (const m of text.matchAll(/\bmessageId\s*=\s*(['"])([^'"]+)\1/g)) add(m[2], file);
    // title: 'page.title' (possibly inside a conditional on the same line)
    for (const m of text.matchAll(/\btitle:\s*([^\n]*)/g)) {
      for (const id of m[1].matchAll(/(['"])([a-zA-Z]+(?:\.[\w]+)+)\1/g)) add(id[2], file);
    }
    // Error message ids passed around as values ('login.errors.failed', 'errors.csrf').
    for (const m of text.matchAll(/(['"])((?:[a-zA-Z]+\.)?errors\.[a-zA-Z]\w*)\1/g)) add(m[2], file);
  }
  return uses;
}

describe('message catalogs', () => {
  test('every locale has exactly the same message ids (plural forms folded)', () => {
    const [first, ...rest] = LOCALES;
    const reference = [...idsOf(first)].sort();
    expect(reference.length).toBeGreaterThan(50);
    for (const locale of rest) {
      const ids = [...idsOf(locale)].sort();
      expect({ locale, missing: reference.filter((id) => !ids.includes(id)), extra: ids.filter((id) => !reference.includes(id)) }).toEqual({
        locale,
        missing: [],
        extra: [],
      });
    }
  });

  test('non-plural ids are plain keys in every locale, and plural ids are plural in every locale', () => {
    const pluralIds = (locale: Locale) => [...catalogs[locale].keys()].filter((k) => PLURAL_SUFFIX.test(k)).map(baseOf);
    const reference = [...new Set(pluralIds(LOCALES[0]))].sort();
    expect(reference).toContain('errors.tooManyAttempts');
    for (const locale of LOCALES) {
      expect([...new Set(pluralIds(locale))].sort()).toEqual(reference);
      for (const id of reference) expect(catalogs[locale].has(id)).toBe(false); // not both `id` and `id_one`
    }
  });

  test("plural forms: exactly the language's CLDR categories (zh, ko and vi have only `other`, Arabic all six)", () => {
    const problems: string[] = [];
    for (const locale of LOCALES) {
      const categories = [...(new Intl.PluralRules(pluralLocale(locale)).resolvedOptions().pluralCategories as string[])].sort();
      expect(categories).toContain('other');
      const forms = new Map<string, string[]>();
      for (const key of catalogs[locale].keys()) {
        const match = PLURAL_SUFFIX.exec(key);
        if (match) forms.set(baseOf(key), [...(forms.get(baseOf(key)) ?? []), match[1]]);
      }
      for (const [id, given] of forms) {
        if (given.sort().join() !== categories.join()) problems.push(`${locale} ${id}: has ${given.join(', ')}, needs ${categories.join(', ')}`);
      }
    }
    expect(problems).toEqual([]);
    expect(new Intl.PluralRules('ar').resolvedOptions().pluralCategories).toHaveLength(6);
  });

  test('the registered languages are exactly the catalogs in src/i18n/locales, English first', () => {
    const files = readdirSync(CATALOG_DIR)
      .filter((f) => f.endsWith('.json'))
      .map((f) => f.slice(0, -5))
      .sort();
    expect([...LOCALES].sort()).toEqual(files);
    expect(LOCALES[0]).toBe('en');
  });

  test('the ten languages, in the switcher’s order, named in their own script, Arabic right-to-left', async () => {
    const i18n = await createI18n();
    expect(i18n.locales.map((l) => `${l.code} ${l.name} ${l.dir}`)).toEqual([
      'en English ltr',
      'es Español ltr',
      'fr Français ltr',
      'vi Tiếng Việt ltr',
      'ht Kreyòl ayisyen ltr',
      'ar العربية rtl',
      'zh 中文（简体） ltr',
      'ko 한국어 ltr',
      'pt Português ltr',
      'am አማርኛ ltr',
    ]);
  });

  test('Haitian Creole, which the platform has no CLDR data for, does not follow the machine’s language', async () => {
    // Without a stand-in, Intl would use the server's LANG: English months under en_US, French plural rules under fr_FR.
    expect(dateTimeFormat('ht', { month: 'long', timeZone: 'UTC' }).format(Date.UTC(2026, 7, 10))).toBe('août');
    expect(new Intl.PluralRules(pluralLocale('ht')).resolvedOptions().pluralCategories).toEqual(['one', 'other']);
    const i18n = await createI18n();
    expect(i18n.t('ht', 'errors.tooManyAttempts', { count: 2000 })).toContain(new Intl.NumberFormat('fr-HT').format(2000));
  });

  test('placeholders are well formed: every {{ is closed, and no single-brace {name} that would be shown as is', () => {
    const bad: string[] = [];
    for (const locale of LOCALES) {
      for (const [key, value] of catalogs[locale]) {
        if (typeof value !== 'string') continue;
        const rest = value.replace(/\{\{\s*[\w.]+\s*\}\}/g, '');
        if (/[{}]/.test(rest)) bad.push(`${locale} ${key}: ${value}`);
      }
    }
    expect(bad).toEqual([]);
  });

  test('no empty or non-string messages', () => {
    for (const locale of LOCALES) {
      const bad = [...catalogs[locale]].filter(([, value]) => typeof value !== 'string' || value.trim() === '').map(([key]) => key);
      expect({ locale, bad }).toEqual({ locale, bad: [] });
    }
  });

  test('placeholders ({{x}}) match between locales for every id', () => {
    const mismatches: string[] = [];
    for (const id of idsOf('en')) {
      const expected = placeholders('en', id);
      for (const locale of LOCALES) {
        const actual = placeholders(locale, id);
        if (actual.join() !== expected.join()) mismatches.push(`${locale} ${id}: {${actual}} vs en {${expected}}`);
      }
    }
    expect(mismatches).toEqual([]);
    expect(placeholders('fr', 'errors.invalidClient')).toEqual(['field', 'reason']);
  });

  test('every message id used in views/ and src/ exists in every locale', () => {
    const uses = messageIdsInUse();
    const found = new Set(uses.map((u) => u.id));
    // The scan itself must work: these are known uses of each pattern.
    for (const known of [
      'layout.skip', // view t('…')
      'login.errors.failed', // id passed as a value
      'errors.oidc', // (ctx.state.t)('…')
      'errors.tooManyAttempts', // new AppError(…)
      'errors.invalidClient', // badRequest(…)
      'errors.forbidden', // messageId = '…'
      'errors.tooManyAttemptsTitle', // title: cond ? '…' : '…'
      'portal.title', // title: '…'
    ]) {
      expect(found).toContain(known);
    }
    expect(found.size).toBeGreaterThan(60);
    expect(exists('en', 'login.noSuchMessage')).toBe(false);
    expect(exists('en', 'errors')).toBe(false);

    const missing: string[] = [];
    for (const locale of LOCALES) {
      for (const use of uses) {
        const ok = use.prefix ? [...catalogs[locale].keys()].some((k) => k.startsWith(use.id)) : exists(locale, use.id);
        if (!ok) missing.push(`${locale}: ${use.id} (${use.where})`);
      }
    }
    expect([...new Set(missing)]).toEqual([]);
  });

  test('every English message is used by the code or the views (no stale ids)', () => {
    const uses = messageIdsInUse();
    // Families whose ids are built from a constant the scan cannot follow.
    const families: Use[] = [{ id: 'roster.issues.', where: 'src/roster/issue-text.ts (ISSUE_MESSAGE_PREFIX)', prefix: true }];
    for (const topic of BUILT_IN_TOPICS) families.push({ id: `help.${topic}.`, where: 'src/help/links.ts', prefix: true });
    // Ids handed around as values: { id: 'admin.roster.explain.invalid' }, render(…, 'admin.apps.title'),
    // `passwords.problems.${problem}`, `${viewFolder}.title`.
    const mentions: Use[] = [];
    for (const file of filesUnder(join(ROOT, 'src'), '.ts').filter((f) => !f.startsWith(join(ROOT, 'src', 'i18n')))) {
      const text = readFileSync(file, 'utf8');
      const where = relative(ROOT, file);
      for (const m of text.matchAll(/(['"])([a-zA-Z]+(?:\.\w+)+)\1/g)) mentions.push({ id: m[2], where, prefix: false });
      for (const m of text.matchAll(/`([a-zA-Z][\w.]*\.)\$\{[^}]+\}([\w.]*)`/g)) mentions.push({ id: m[1], where, prefix: true, suffix: m[2] });
      for (const m of text.matchAll(/`\$\{[^}]+\}(\.\w+)`/g)) mentions.push({ id: '', where, prefix: true, suffix: m[1] });
    }
    for (const file of filesUnder(join(ROOT, 'views'), '.ejs')) {
      // t(auto ? 'logout.explain' : 'logout.explainAsked')
      for (const m of readFileSync(file, 'utf8').matchAll(/(['"])([a-zA-Z]+(?:\.\w+)+)\1/g)) mentions.push({ id: m[2], where: relative(ROOT, file), prefix: false });
    }
    const all = [...uses, ...families, ...mentions];
    const unused = [...idsOf('en')].filter((id) => !all.some((use) => named(use, id)));
    expect(unused).toEqual([]);
    // The check itself can fail: a made-up id is reported.
    expect(all.some((use) => named(use, 'login.noSuchMessage'))).toBe(false);
  });

  test('ids built at run time exist: help topic titles and consent scope descriptions', () => {
    for (const locale of LOCALES) {
      for (const topic of BUILT_IN_TOPICS) expect(exists(locale, `help.${topic}.title`)).toBe(true);
      // Every scope an app can ask for, except openid, is described on the consent page.
      for (const scope of [...Object.keys(SCOPE_CLAIMS), 'offline_access'].filter((s) => s !== 'openid')) {
        expect({ locale, scope, described: exists(locale, `consent.scopes.${scope}`) }).toEqual({ locale, scope, described: true });
      }
    }
  });

  test('i18next resolves plurals and interpolation from the catalogs', async () => {
    const i18n = await createI18n('en');
    expect(i18n.t('en', 'errors.tooManyAttempts', { count: 1 })).toBe('Too many attempts. Please try again in 1 minute.');
    expect(i18n.t('en', 'errors.tooManyAttempts', { count: 15 })).toBe('Too many attempts. Please try again in 15 minutes.');
    expect(i18n.t('fr', 'errors.tooManyAttempts', { count: 1 })).toBe('Trop de tentatives. Veuillez réessayer dans 1 minute.');
    expect(i18n.t('fr', 'errors.tooManyAttempts', { count: 15 })).toBe('Trop de tentatives. Veuillez réessayer dans 15 minutes.');
    expect(i18n.t('fr', 'portal.greeting', { name: 'Zoé & Léa' })).toBe('Bonjour, Zoé & Léa');
    expect(i18n.t('en', 'login.errors.failed')).toBe('Authentication Failed');
    expect(i18n.translator('fr')('login.title')).toBe('Connexion');
    expect(i18n.pick({ en: 'Maple', fr: 'Érable' }, 'fr')).toBe('Érable');
    expect(i18n.pick({ en: 'Maple' }, 'fr')).toBe('Maple');
  });
});

describe('negotiate', () => {
  test('picks the best shipped language from Accept-Language', () => {
    expect(negotiate('fr-CA,fr;q=0.9,en;q=0.8', 'en')).toBe('fr');
    expect(negotiate('en-US,en;q=0.9,fr;q=0.8', 'fr')).toBe('en');
    expect(negotiate('de-DE,de;q=0.9,fr;q=0.5,en;q=0.4', 'en')).toBe('fr');
    expect(negotiate('en;q=0.3, fr;q=0.7', 'en')).toBe('fr');
    expect(negotiate('FR-ca', 'en')).toBe('fr');
  });

  test('falls back when nothing shipped is acceptable', () => {
    expect(negotiate('de', 'en')).toBe('en');
    expect(negotiate('de', 'fr')).toBe('fr');
    expect(negotiate('', 'fr')).toBe('fr');
    expect(negotiate(undefined, 'en')).toBe('en');
    expect(negotiate('*', 'fr')).toBe('fr');
    expect(negotiate('fr;q=0', 'en')).toBe('en'); // q=0 means "not acceptable"
  });

  test('reads a space-separated ui_locales list in order', () => {
    expect(negotiate('fr-CA en', 'en')).toBe('fr');
    expect(negotiate('de en fr', 'fr')).toBe('en');
  });
});
