import type { Readable } from 'node:stream';
import type { EventBus } from '../events/bus.js';
import { readCsv } from '../roster/csv.js';
import { normalizeLanguage } from './normalize.js';
import type { HomeLanguageStore, LanguageEntry } from './ports.js';

/** What reading a source of home languages did, for the command's report and the audit event. */
export interface HomeLanguageReport {
  /** Data rows read (the header left out). */
  rows: number;
  /** Accounts whose home language was stored. */
  stored: number;
  /** Rows without a value (or without a student key). */
  blank: number;
  /** Rows whose value names no language Homeroom serves: those students keep the district's default. */
  unknownLanguage: number;
  /** Rows with no such student (mapping file) or no such user (roster column). */
  unknownStudent: number;
  /** Stored rows per language code. */
  languages: Record<string, number>;
}

export class HomeLanguageError extends Error {}

const BATCH = 2000;

/**
 * Home languages from the roster: the users.csv column a district names in `roster.homeLanguageColumn`, or a mapping
 * file `studentId,language` from the student information system. Values are normalized to the locale codes served.
 */
export class HomeLanguages {
  constructor(
    private readonly store: HomeLanguageStore,
    private readonly served: () => readonly string[],
    private readonly events: EventBus,
  ) {}

  of(accountId: string): Promise<string | null> {
    return this.store.of(accountId);
  }

  /** A CSV file `studentId,language` (header first; its columns may be in either order). */
  importMapping(file: Readable, actor: string | null, now = Date.now()): Promise<HomeLanguageReport> {
    return this.read(file, ['studentid', 'language'], (entries) => this.store.saveByStudentId(entries, 'file', now), actor, 'file');
  }

  /** The users.csv of a roster import: its sourcedId column and the district's language column. */
  importRosterColumn(usersCsv: Readable, column: string, now = Date.now()): Promise<HomeLanguageReport> {
    return this.read(usersCsv, ['sourcedid', column.toLowerCase()], (entries) => this.store.saveBySourcedId(entries, 'roster', now), null, 'roster');
  }

  private async read(
    file: Readable,
    [keyName, valueName]: [string, string],
    save: (entries: LanguageEntry[]) => Promise<number>,
    actor: string | null,
    source: 'file' | 'roster',
  ): Promise<HomeLanguageReport> {
    const report: HomeLanguageReport = { rows: 0, stored: 0, blank: 0, unknownLanguage: 0, unknownStudent: 0, languages: {} };
    const served = this.served();
    let columns: { key: number; value: number } | null = null;
    let pending: LanguageEntry[] = [];
    const flush = async () => {
      if (pending.length === 0) return;
      const found = await save(pending);
      report.stored += found;
      report.unknownStudent += pending.length - found;
      pending = [];
    };
    const counted = new Map<string, number>();
    for await (const batch of readCsv(file)) {
      let start = 0;
      if (!columns) {
        const header = batch.rows[0].map((h) =>
          h
            .replace(/^\uFEFF/, '')
            .trim()
            .toLowerCase(),
        );
        const key = header.indexOf(keyName);
        const value = header.indexOf(valueName);
        if (key < 0 || value < 0) throw new HomeLanguageError(`the header must name the columns ${keyName} and ${valueName} (found: ${header.join(', ')})`);
        columns = { key, value };
        start = 1;
      }
      for (let i = start; i < batch.rows.length; i++) {
        const row = batch.rows[i];
        if (row.length === 1 && row[0] === '') continue;
        report.rows++;
        const key = (row[columns.key] ?? '').trim();
        const value = (row[columns.value] ?? '').trim();
        if (!key || !value) {
          report.blank++;
          continue;
        }
        const language = normalizeLanguage(value, served);
        if (!language) {
          report.unknownLanguage++;
          continue;
        }
        pending.push({ key, language });
        counted.set(language, (counted.get(language) ?? 0) + 1);
        if (pending.length >= BATCH) await flush();
      }
    }
    await flush();
    if (!columns) throw new HomeLanguageError('the file is empty: expected a header and one row per student');
    // Per-language counts include rows whose student was not found; close enough for a report, exact in total.
    report.languages = Object.fromEntries([...counted].sort(([a], [b]) => a.localeCompare(b)));
    await this.events.emit({
      type: 'home_languages.imported',
      actorId: actor,
      data: { source, rows: report.rows, stored: report.stored, unknownLanguage: report.unknownLanguage, unknownStudent: report.unknownStudent },
    });
    return report;
  }
}
