/**
 * Ids the provider reads from requests (codes, tokens, client ids, uids) are looked up as given, and PostgreSQL
 * refuses U+0000 in text with an error: an id holding it names nothing that could have been stored, on either database.
 */
export function namesNothing(id: string): boolean {
  return id.includes('\0');
}
