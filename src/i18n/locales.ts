import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface LocaleInfo {
  code: string;
  /** The language's name in its own script, so a person who cannot read the current page still finds theirs. */
  name: string;
  dir: 'ltr' | 'rtl';
}

export const CATALOG_DIR = join(dirname(fileURLToPath(import.meta.url)), 'locales');

/** The languages Homeroom translates, in the switcher's order. */
const KNOWN: readonly LocaleInfo[] = [
  { code: 'en', name: 'English', dir: 'ltr' },
  { code: 'es', name: 'Español', dir: 'ltr' },
  { code: 'fr', name: 'Français', dir: 'ltr' },
  { code: 'vi', name: 'Tiếng Việt', dir: 'ltr' },
  { code: 'ht', name: 'Kreyòl ayisyen', dir: 'ltr' },
  { code: 'ar', name: 'العربية', dir: 'rtl' },
  { code: 'zh', name: '中文（简体）', dir: 'ltr' },
  { code: 'ko', name: '한국어', dir: 'ltr' },
  { code: 'pt', name: 'Português', dir: 'ltr' },
  { code: 'am', name: 'አማርኛ', dir: 'ltr' },
];

/**
 * Shipped languages: a language is offered only once its catalog is in the repository, so the switcher never lists a
 * language whose pages would come out in English.
 */
export const SHIPPED: readonly LocaleInfo[] = KNOWN.filter((l) => existsSync(join(CATALOG_DIR, `${l.code}.json`)));

export const LOCALES: readonly string[] = SHIPPED.map((l) => l.code);

/** Name and direction of any language tag: the table above, else what the platform's CLDR data says. */
export function describeLocale(code: string): LocaleInfo {
  const known = KNOWN.find((l) => l.code === code);
  if (known) return known;
  const locale = new Intl.Locale(code);
  // textInfo is a getter in V8 and a method in the proposal's later drafts.
  const textInfo = locale as unknown as { textInfo?: { direction?: string }; getTextInfo?: () => { direction?: string } };
  const direction = textInfo.textInfo?.direction ?? textInfo.getTextInfo?.().direction;
  const name = new Intl.DisplayNames([code], { type: 'language' }).of(code) ?? code;
  return { code, name: name.charAt(0).toLocaleUpperCase(code) + name.slice(1), dir: direction === 'rtl' ? 'rtl' : 'ltr' };
}

/**
 * The platform's CLDR data has no Haitian Creole: `Intl` would silently use the machine's own language instead, so
 * plural rules and date and number formats would change with the server's LANG. Creole nouns do not inflect (the
 * catalog's two plural forms carry the same text), and Haitian readers are used to French dates and numbers.
 */
const INTL_STAND_INS: Record<string, { format: string; plurals: string }> = { ht: { format: 'fr-HT', plurals: 'en' } };

/** The tag to format dates and numbers with for a language. */
export const formatLocale = (code: string): string => INTL_STAND_INS[code]?.format ?? code;

/** The tag whose plural rules a language's catalog follows. */
export const pluralLocale = (code: string): string => INTL_STAND_INS[code]?.plurals ?? code;

/** A language tag as catalog files are named: `so`, `pt-BR`, `zh-Hant`. */
export const LOCALE_TAG = /^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$/;
