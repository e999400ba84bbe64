import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LOCALES, loadCatalog } from '../../src/i18n/i18n.js';
import { flattenCatalog } from '../../src/i18n/catalog.js';

const GLOSSARY_DIR = fileURLToPath(new URL('../../src/i18n/glossary', import.meta.url));

interface Term {
  en: string;
  translation?: string;
  forms?: string[];
  note?: string;
}

const glossary = (locale: string): Term[] => JSON.parse(readFileSync(join(GLOSSARY_DIR, `${locale}.json`), 'utf8')).terms;
const english = glossary('en');
const englishCatalog = flattenCatalog(loadCatalog('en')).catalog;
const translated = LOCALES.filter((locale) => locale !== 'en');

const withoutPlaceholders = (text: string) => text.replace(/\{\{[^}]*\}\}/g, ' ');

/**
 * Messages whose English contains the term, paired with the same message in the locale. Plural forms are compared
 * form by form where the locale has that form, else against its `other` form (Korean has one form for English's two).
 */
function pairs(locale: string, term: string): { key: string; en: string; text: string }[] {
  const catalog = flattenCatalog(loadCatalog(locale)).catalog;
  const out: { key: string; en: string; text: string }[] = [];
  for (const [key, en] of englishCatalog) {
    // {{username}} is a value filled in, not the word "username".
    if (!withoutPlaceholders(en).toLowerCase().includes(term.toLowerCase())) continue;
    const text = catalog.get(key) ?? catalog.get(key.replace(/_(zero|one|two|few|many|other)$/, '_other'));
    if (text !== undefined) out.push({ key, en, text: withoutPlaceholders(text) });
  }
  return out;
}

describe('glossary', () => {
  test('the English glossary names the district terms once each', () => {
    expect(english.length).toBeGreaterThanOrEqual(10);
    expect(new Set(english.map((t) => t.en.toLowerCase())).size).toBe(english.length);
    expect(english.map((t) => t.en)).toContain('Claim my Account');
  });

  test.each(translated)('%s: a glossary with exactly the English terms, in order, each with a translation', (locale) => {
    expect(existsSync(join(GLOSSARY_DIR, `${locale}.json`))).toBe(true);
    const terms = glossary(locale);
    expect(terms.map((t) => t.en)).toEqual(english.map((t) => t.en));
    for (const term of terms) {
      expect({ term: term.en, translation: typeof term.translation === 'string' && term.translation.trim() !== '' }).toEqual({ term: term.en, translation: true });
      expect(Array.isArray(term.forms ?? [])).toBe(true);
    }
  });

  test.each(translated)('%s: every message whose English uses a term uses its translation or one of its forms', (locale) => {
    const inconsistent: string[] = [];
    for (const term of glossary(locale)) {
      const accepted = [term.translation!, ...(term.forms ?? [])].map((w) => w.toLowerCase());
      for (const { key, text } of pairs(locale, term.en)) {
        if (!accepted.some((word) => text.toLowerCase().includes(word))) inconsistent.push(`${key}: "${term.en}" → ${accepted.join(' | ')} not in "${text}"`);
      }
    }
    expect(inconsistent).toEqual([]);
  });

  test('the check can fail: a message that drops the term is reported', () => {
    const term = english.find((t) => t.en === 'Claim my Account')!;
    const uses = pairs('en', term.en);
    expect(uses.length).toBeGreaterThan(0);
    const mangled = uses.map((u) => u.text.replace(/Claim my Account/gi, 'Activate')).filter((text) => text.toLowerCase().includes(term.en.toLowerCase()));
    expect(mangled).toEqual([]);
  });
});
