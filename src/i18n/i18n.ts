import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../config/config-error.js';
import { flattenCatalog, type Catalog } from './catalog.js';
import { CATALOG_DIR, describeLocale, formatLocale, LOCALES, pluralLocale, SHIPPED, type LocaleInfo } from './locales.js';
import { loadDistrictMessages } from './overrides.js';

export { formatLocale, LOCALES, pluralLocale, type LocaleInfo } from './locales.js';

/** A language tag Homeroom serves: one it ships, or one a district added. */
export type Locale = string;

/** Native names of the shipped languages. */
export const LOCALE_NAMES: Record<string, string> = Object.fromEntries(SHIPPED.map((l) => [l.code, l.name]));

export function loadCatalog(locale: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(CATALOG_DIR, `${locale}.json`), 'utf8'));
}

export type Translate = (id: string, params?: Record<string, unknown>) => string;

export interface I18n {
  /** Languages offered, in the switcher's order: the shipped ones, then any the district added. */
  readonly locales: readonly LocaleInfo[];
  has(locale: unknown): locale is Locale;
  info(locale: Locale): LocaleInfo;
  t(locale: Locale, id: string, params?: Record<string, unknown>): string;
  translator(locale: Locale): Translate;
  /** Picks the localized value of a `{en: …, fr: …}` config entry. */
  pick(values: Record<string, string>, locale: Locale): string;
}

export interface I18nOptions {
  defaultLocale?: string;
  /** A district's folder of `<locale>.json` files: messages it words its own way, or whole new languages. */
  overridesDir?: string;
}

const PLACEHOLDER = /\{\{\s*([\w.]+)\s*\}\}/g;

/**
 * Message lookup: ids are looked up in flat maps, `{{name}}` placeholders filled in (numbers written the language's
 * way), and a `count` parameter picks the plural form (id_one, id_other, id_many …) by the language's own rules. A page
 * with a few hundred rows calls this thousands of times, so it is a map lookup and a replace, nothing more.
 */
export async function createI18n(options: I18nOptions | string = {}): Promise<I18n> {
  const { defaultLocale = 'en', overridesDir } = typeof options === 'string' ? { defaultLocale: options } : options;
  const catalogs = new Map<string, Catalog>(LOCALES.map((l) => [l, flattenCatalog(loadCatalog(l)).catalog]));
  const locales: LocaleInfo[] = [...SHIPPED];
  if (overridesDir) {
    const district = loadDistrictMessages(overridesDir, catalogs.get('en')!, LOCALES);
    for (const [locale, messages] of district.catalogs) {
      const catalog = catalogs.get(locale) ?? new Map();
      for (const [key, text] of messages) catalog.set(key, text);
      catalogs.set(locale, catalog);
    }
    locales.push(...district.added.map(describeLocale));
  }
  if (!catalogs.has(defaultLocale)) {
    throw new ConfigError([`i18n.defaultLocale: "${defaultLocale}" is not one of the languages served (${[...catalogs.keys()].join(', ')})`]);
  }
  const codes = locales.map((l) => l.code);
  const plurals = new Map(codes.map((l) => [l, new Intl.PluralRules(pluralLocale(l))]));
  const numbers = new Map(codes.map((l) => [l, new Intl.NumberFormat(formatLocale(l))]));
  const has = (locale: unknown): locale is Locale => typeof locale === 'string' && catalogs.has(locale);

  function t(asked: Locale, id: string, params?: Record<string, unknown>): string {
    const locale = has(asked) ? asked : defaultLocale;
    const catalog = catalogs.get(locale)!;
    let message: string | undefined;
    if (params && typeof params.count === 'number') {
      message = catalog.get(`${id}_${plurals.get(locale)!.select(params.count)}`) ?? catalog.get(`${id}_other`);
    }
    message ??= catalog.get(id);
    if (message === undefined) return typeof params?.defaultValue === 'string' ? params.defaultValue : id;
    if (!params || !message.includes('{{')) return message;
    return message.replace(PLACEHOLDER, (whole, name: string) => {
      const value = params[name];
      if (value === undefined) return whole;
      return typeof value === 'number' ? numbers.get(locale)!.format(value) : String(value);
    });
  }

  return {
    locales,
    has,
    info: (locale) => locales.find((l) => l.code === locale) ?? describeLocale(locale),
    t,
    translator: (locale) => (id, params) => t(locale, id, params),
    pick: (values, locale) => values[locale] ?? values[defaultLocale] ?? values.en ?? Object.values(values)[0] ?? '',
  };
}

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && LOCALES.includes(value);
}

/** Best match among `available` for an Accept-Language header or a space-separated ui_locales list. */
export function negotiate(preferences: string | undefined, fallback: Locale, available: readonly string[] = LOCALES): Locale {
  if (!preferences) return fallback;
  const ranked = preferences
    .split(/[,\s]+/)
    .map((part, index) => {
      const [tag, ...params] = part.trim().split(';');
      const q = params.map((p) => /^q=([\d.]+)$/.exec(p.trim())).find(Boolean);
      return { tag: tag.toLowerCase(), q: q ? Number(q[1]) : 1, index };
    })
    .filter((p) => p.tag && p.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index);
  const lower = available.map((code) => code.toLowerCase());
  for (const { tag } of ranked) {
    // The exact tag first (a district's pt-BR), then the language alone.
    for (const candidate of [tag, tag.split('-')[0]]) {
      const index = lower.indexOf(candidate);
      if (index >= 0) return available[index];
    }
  }
  return fallback;
}
