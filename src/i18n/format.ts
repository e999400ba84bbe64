import { formatLocale } from './locales.js';

/**
 * Date formatters, made once per language, time zone and style: building an Intl.DateTimeFormat costs about a
 * millisecond, and a class list formats hundreds of dates.
 */
const formatters = new Map<string, Intl.DateTimeFormat>();

export function dateTimeFormat(locale: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${locale}|${JSON.stringify(options)}`;
  let formatter = formatters.get(key);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat(formatLocale(locale), options);
    formatters.set(key, formatter);
  }
  return formatter;
}

/** A moment as people of `locale` write it, in the district's time zone, to the second (audit log, import runs). */
export function formatMoment(locale: string, at: number, timeZone: string): string {
  return dateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'medium', timeZone }).format(at);
}
