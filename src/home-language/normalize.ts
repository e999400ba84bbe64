import { describeLocale } from '../i18n/locales.js';

/**
 * ISO 639-2/-3 codes of the languages Homeroom ships, and the names a student information system writes instead
 * (English names and the language's own). Other values are compared with Intl's names of each served language.
 */
const ALIASES: Record<string, string> = {
  eng: 'en',
  english: 'en',
  spa: 'es',
  spanish: 'es',
  español: 'es',
  espanol: 'es',
  castellano: 'es',
  fra: 'fr',
  fre: 'fr',
  french: 'fr',
  français: 'fr',
  francais: 'fr',
  vie: 'vi',
  vietnamese: 'vi',
  'tiếng việt': 'vi',
  'tieng viet': 'vi',
  hat: 'ht',
  haitian: 'ht',
  'haitian creole': 'ht',
  'haitian-creole': 'ht',
  creole: 'ht',
  kreyòl: 'ht',
  'kreyòl ayisyen': 'ht',
  'kreyol ayisyen': 'ht',
  kreyol: 'ht',
  ara: 'ar',
  arb: 'ar',
  arabic: 'ar',
  العربية: 'ar',
  zho: 'zh',
  chi: 'zh',
  cmn: 'zh',
  chinese: 'zh',
  mandarin: 'zh',
  'simplified chinese': 'zh',
  中文: 'zh',
  汉语: 'zh',
  普通话: 'zh',
  'zh-hans': 'zh',
  'zh-cn': 'zh',
  kor: 'ko',
  korean: 'ko',
  한국어: 'ko',
  por: 'pt',
  portuguese: 'pt',
  português: 'pt',
  portugues: 'pt',
  'pt-br': 'pt',
  'pt-pt': 'pt',
  amh: 'am',
  amharic: 'am',
  አማርኛ: 'am',
};

/**
 * The locale code for a roster's home-language value (`es`, `spa`, `Spanish`, `Español` → es), or null when it names
 * no language among `served` (an empty value, "Other", a language without a catalog).
 */
export function normalizeLanguage(value: string | null | undefined, served: readonly string[]): string | null {
  const text = (value ?? '').trim().toLowerCase().replace(/\s+/g, ' ');
  if (!text) return null;
  const lower = served.map((code) => code.toLowerCase());
  const direct = lower.indexOf(text);
  if (direct >= 0) return served[direct];
  const alias = ALIASES[text];
  if (alias && served.includes(alias)) return alias;
  // A tag with a region (es-MX) or a script the district serves only as the language.
  const base = lower.indexOf(text.split(/[-_]/)[0]);
  if (base >= 0 && /^[a-z]{2,3}([-_][a-z0-9]+)*$/.test(text)) return served[base];
  for (const code of served) {
    const own = describeLocale(code).name.toLowerCase();
    const english = new Intl.DisplayNames(['en'], { type: 'language' }).of(code)?.toLowerCase();
    if (text === own || text === english) return code;
  }
  return null;
}
