import { formatLocale, type I18n, type Locale } from '../i18n/i18n.js';
import { sameOriginPath } from '../shared/same-origin.js';

/** The switcher's entries: each language in its own script, linking to this same page in that language. */
export function languageLinks(i18n: I18n, locale: Locale, path: string, querystring: string) {
  const target = samePageTarget(path, querystring);
  return i18n.locales.map(({ code, name, dir }) => {
    const query = new URLSearchParams(target.fields);
    query.set('lang', code);
    return { code, name, dir, href: `${target.path}?${query}`, current: code === locale };
  });
}

/** Any origin: only used to tell a path that stays on this site from one a browser would read as another host. */
const HERE = 'http://homeroom.invalid/';

/**
 * Where the language switcher sends the person: this page again, with its query but a new `lang`. The path comes from
 * the request line, so `//evil.example` or `/\\evil.example` must not become a link to another site: read as a browser
 * reads an href, anything that leaves this origin falls back to the home page.
 */
export function samePageTarget(path: string, querystring: string): { path: string; fields: [string, string][] } {
  const target = sameOriginPath(path, HERE);
  const fields = [...new URLSearchParams(querystring)].filter(([name]) => name !== 'lang');
  return { path: target ? new URL(target, HERE).pathname : '/', fields };
}

const displayNames = new Map<string, Intl.DisplayNames>();

/** A language's name in the page's language ("French" on an English page), for labels such as "Name (French)". */
export function languageName(t: (id: string, params?: Record<string, unknown>) => string, locale: string, code: string): string {
  let names = displayNames.get(locale);
  if (!names) displayNames.set(locale, (names = new Intl.DisplayNames([formatLocale(locale)], { type: 'language' })));
  return t(`admin.languages.${code}`, { defaultValue: names.of(code) ?? code });
}
