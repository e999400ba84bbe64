import { basename } from 'node:path';
import { openRosterSource } from '../roster/source.js';
import type { HomeLanguageReport, HomeLanguages } from './home-languages.js';

/**
 * The home languages of an imported roster: its users.csv read once more for two columns, after the import has
 * stored the users (the sourcedIds it names are then known), so the import itself is left as it is.
 */
export async function importRosterLanguages(homeLanguages: HomeLanguages, path: string, column: string): Promise<HomeLanguageReport> {
  const source = await openRosterSource(path);
  try {
    const users = source.files().find((name) => basename(name).toLowerCase() === 'users.csv');
    if (!users) throw new Error(`${path}: no users.csv`);
    return await homeLanguages.importRosterColumn(await source.open(users), column);
  } finally {
    await source.close();
  }
}
