/** A catalog as the server uses it: dotted message id (plural forms keep their suffix) → text. */
export type Catalog = Map<string, string>;

export const PLURAL_SUFFIX = /_(zero|one|two|few|many|other)$/;

/** The id a plural form belongs to: errors.tooManyAttempts_one → errors.tooManyAttempts. */
export const baseId = (key: string): string => key.replace(PLURAL_SUFFIX, '');

/**
 * Flattens a nested catalog into dotted ids: {"login": {"go": "Go"}} → login.go. Values that are neither text nor a
 * nested object are returned in `invalid`, for the caller to report.
 */
export function flattenCatalog(tree: Record<string, unknown>, prefix = '', into: Catalog = new Map(), invalid: string[] = []): { catalog: Catalog; invalid: string[] } {
  for (const [key, value] of Object.entries(tree)) {
    const id = prefix ? `${prefix}.${key}` : key;
    if (typeof value === 'string') into.set(id, value);
    else if (value && typeof value === 'object' && !Array.isArray(value)) flattenCatalog(value as Record<string, unknown>, id, into, invalid);
    else invalid.push(id);
  }
  return { catalog: into, invalid };
}

/** Placeholder names ({{name}} or {{name, format}}) of one message, sorted. */
export function placeholdersOf(text: string): string[] {
  return [...new Set([...text.matchAll(/\{\{\s*([^},\s]+)[^}]*\}\}/g)].map((m) => m[1]))].sort();
}

/** Placeholder names across all forms of an id (a plural's _one may leave out {{count}}, its _other may not). */
export function placeholdersOfId(catalog: Catalog, id: string): string[] {
  const names = new Set<string>();
  for (const [key, text] of catalog) if (baseId(key) === id) for (const name of placeholdersOf(text)) names.add(name);
  return [...names].sort();
}
