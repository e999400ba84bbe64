import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ConfigError } from '../config/config-error.js';
import { baseId, flattenCatalog, PLURAL_SUFFIX, placeholdersOf, placeholdersOfId, type Catalog } from './catalog.js';
import { LOCALE_TAG, pluralLocale } from './locales.js';

export interface DistrictMessages {
  /** Language → the district's own messages (only those it changes, for a shipped language; all, for a new one). */
  catalogs: Map<string, Catalog>;
  /** Languages the district added that Homeroom does not ship. */
  added: string[];
}

/**
 * Reads a district's `<locale>.json` files and checks them against the English catalog before the server starts:
 * a message id English does not have (a typo would otherwise silently change nothing), a placeholder that differs
 * from English (the page would show `{{name}}` or lose the name), a form the language has no use for, or a new
 * language missing messages all stop the start, naming the file and the key.
 */
export function loadDistrictMessages(dir: string, english: Catalog, shipped: readonly string[]): DistrictMessages {
  const folder = resolve(dir);
  let files: string[];
  try {
    files = readdirSync(folder)
      .filter((name) => name.endsWith('.json'))
      .sort();
  } catch (error) {
    throw new ConfigError([`i18n.overridesDir: cannot read ${folder} (${(error as NodeJS.ErrnoException).code ?? 'error'})`]);
  }
  const problems: string[] = [];
  const catalogs = new Map<string, Catalog>();
  const added: string[] = [];
  const englishIds = new Set([...english.keys()].map(baseId));

  for (const file of files) {
    const where = join(folder, file);
    const locale = file.slice(0, -'.json'.length);
    if (!LOCALE_TAG.test(locale) || !safeTag(locale)) {
      problems.push(`${where}: "${locale}" is not a language tag (name files like es.json or pt-BR.json)`);
      continue;
    }
    let tree: unknown;
    try {
      tree = JSON.parse(readFileSync(where, 'utf8'));
    } catch (error) {
      problems.push(`${where}: not valid JSON: ${(error as Error).message}`);
      continue;
    }
    if (!tree || typeof tree !== 'object' || Array.isArray(tree)) {
      problems.push(`${where}: the top level must be an object of message ids`);
      continue;
    }
    const { catalog, invalid } = flattenCatalog(tree as Record<string, unknown>);
    for (const key of invalid) problems.push(`${where}: ${key}: a message must be text`);
    const categories = new Intl.PluralRules(pluralLocale(locale)).resolvedOptions().pluralCategories as string[];

    for (const [key, text] of catalog) {
      const id = baseId(key);
      const plural = PLURAL_SUFFIX.exec(key)?.[1];
      if (!englishIds.has(id)) {
        problems.push(`${where}: ${key}: no such message id in English`);
        continue;
      }
      const englishIsPlural = !english.has(id);
      if (englishIsPlural !== Boolean(plural)) {
        problems.push(`${where}: ${key}: ${englishIsPlural ? `give the plural forms ${categories.map((c) => `${id}_${c}`).join(', ')}` : 'this message has no plural forms'}`);
        continue;
      }
      if (plural && !categories.includes(plural)) {
        problems.push(`${where}: ${key}: "${locale}" has no "${plural}" plural form (it has ${categories.join(', ')})`);
        continue;
      }
      if (!text.trim()) problems.push(`${where}: ${key}: empty message`);
      const expected = placeholdersOfId(english, id);
      const actual = placeholdersOf(text);
      // One plural form may leave out {{count}} ("in a minute"); every other message keeps exactly English's.
      const ok = plural && plural !== 'other' ? actual.every((name) => expected.includes(name)) : actual.join() === expected.join();
      if (!ok) problems.push(`${where}: ${key}: placeholders {${actual.join(', ')}} differ from English {${expected.join(', ')}}`);
    }

    if (!shipped.includes(locale)) {
      const missing = [...englishIds].filter((id) => (english.has(id) ? !catalog.has(id) : !catalog.has(`${id}_other`)));
      if (missing.length) {
        problems.push(
          `${where}: "${locale}" is a new language, so every message must be translated; missing: ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ` and ${missing.length - 10} more` : ''}`,
        );
      }
      added.push(locale);
    }
    catalogs.set(locale, catalog);
  }
  if (problems.length) throw new ConfigError(problems.map((p) => `i18n.overridesDir: ${p}`));
  return { catalogs, added };
}

/** True when the platform's CLDR data knows the tag well enough to format dates and pick plural forms for it. */
function safeTag(tag: string): boolean {
  try {
    return Intl.getCanonicalLocales(tag).length === 1;
  } catch {
    return false;
  }
}
