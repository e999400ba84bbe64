import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import i18next, { type TFunction } from 'i18next';

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

export async function createI18n(defaultLocale: Locale = 'en'): Promise<I18n> {
  const instance = i18next.createInstance();
  await instance.init({
    resources: Object.fromEntries(LOCALES.map((l) => [l, { translation: loadCatalog(l) }])),
    lng: defaultLocale,
    fallbackLng: false,
    supportedLngs: [...LOCALES],
    // EJS escapes on output; escaping here too would show &amp; to people.
    interpolation: { escapeValue: false },
    returnNull: false,
    showSupportNotice: false,
  } as any);
  const fixed = new Map<Locale, TFunction>(LOCALES.map((l) => [l, instance.getFixedT(l)]));
  return {
    t: (locale, id, params) => fixed.get(locale)!(id, params as any) as string,
    translator: (locale) => (id, params) => fixed.get(locale)!(id, params as any) as string,
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
