import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const LOCALES = ['en', 'fr'] as const;
export type Locale = (typeof LOCALES)[number];

/** Native names, so a person who cannot read the current language still finds their own. */
export const LOCALE_NAMES: Record<Locale, string> = { en: 'English', fr: 'Français' };

const here = dirname(fileURLToPath(import.meta.url));

export function loadCatalog(locale: Locale): Record<string, unknown> {
  return JSON.parse(readFileSync(join(here, 'locales', `${locale}.json`), 'utf8'));
}

export type Translate = (id: string, params?: Record<string, unknown>) => string;

export interface I18n {
  t(locale: Locale, id: string, params?: Record<string, unknown>): string;
  translator(locale: Locale): Translate;
  /** Picks the localized value of a `{en: …, fr: …}` config entry. */
  pick(values: Record<string, string>, locale: Locale): string;
}

/** Flattens a nested catalog into dotted ids: {"login": {"go": "Go"}} → login.go. */
function flatten(tree: Record<string, unknown>, prefix = '', into = new Map<string, string>()): Map<string, string> {
  for (const [key, value] of Object.entries(tree)) {
    const id = prefix ? `${prefix}.${key}` : key;
    if (typeof value === 'string') into.set(id, value);
    else if (value && typeof value === 'object') flatten(value as Record<string, unknown>, id, into);
  }
  return into;
}

const PLACEHOLDER = /\{\{\s*([\w.]+)\s*\}\}/g;

/**
 * Message lookup: ids are looked up in flat maps, `{{name}}` placeholders filled in, and a `count` parameter picks
 * the plural form (id_one, id_other, id_many …) by the language's own rules. A page with a few hundred rows calls
 * this thousands of times, so it is a map lookup and a replace, nothing more.
 */
export async function createI18n(defaultLocale: Locale = 'en'): Promise<I18n> {
  const catalogs = new Map(LOCALES.map((l) => [l, flatten(loadCatalog(l))]));
  const plurals = new Map(LOCALES.map((l) => [l, new Intl.PluralRules(l)]));

  function t(locale: Locale, id: string, params?: Record<string, unknown>): string {
    const catalog = catalogs.get(locale) ?? catalogs.get(defaultLocale)!;
    let message: string | undefined;
    if (params && typeof params.count === 'number') {
      message = catalog.get(`${id}_${plurals.get(locale)!.select(params.count)}`) ?? catalog.get(`${id}_other`);
    }
    message ??= catalog.get(id);
    if (message === undefined) return typeof params?.defaultValue === 'string' ? params.defaultValue : id;
    if (!params || !message.includes('{{')) return message;
    return message.replace(PLACEHOLDER, (whole, name: string) => (params[name] === undefined ? whole : String(params[name])));
  }

  return {
    t,
    translator: (locale) => (id, params) => t(locale, id, params),
    pick: (values, locale) => values[locale] ?? values[defaultLocale] ?? Object.values(values)[0] ?? '',
  };
}

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (LOCALES as readonly string[]).includes(value);
}

/** Best shipped match for an Accept-Language header or a space-separated ui_locales list. */
export function negotiate(preferences: string | undefined, fallback: Locale): Locale {
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
  for (const { tag } of ranked) {
    const base = tag.split('-')[0];
    if (isLocale(base)) return base;
  }
  return fallback;
}
