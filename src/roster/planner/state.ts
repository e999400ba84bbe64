import type { RosterRole } from '../accounts-mapping.js';
import { ChangeQueue, type ChangeSink } from '../changes.js';
import { mapColumns, type ColumnMap, type RosterFile } from '../columns.js';
import { CsvSyntaxError, fieldsOf, readCsv, type CsvBatch } from '../csv.js';
import { IdTable } from '../id-table.js';
import { issueFields } from '../issue-text.js';
import { KeyIndex } from '../key-index.js';
import type { ProcessingMode } from '../manifest.js';
import type { PackedRows, RosterSnapshot, RosterStorePort } from '../ports.js';
import type { Progress } from '../progress.js';
import type { RosterSource } from '../source.js';
import type { StoredUsers } from '../stored-users.js';
import { emptyCounts, emptyEntityCounts, type AccountOutcome, type ImportSummary } from '../summary.js';
import { ENTITY_FILES, type EntityFile } from '../written-tables.js';
import { PlanIssues } from './issues.js';

export interface RosterSettings {
  studentIdSource: string;
  usernameTemplates: Record<RosterRole, string>;
  claimDelay: number;
  maxDisableShare: number;
}

export interface PlanOptions {
  settings: RosterSettings;
  /** Process every file as delta (the demo district loaded into an existing database must disable nobody). */
  forceDelta?: boolean;
  /** Receives the changes as they are decided; none in a dry run. */
  sink?: ChangeSink | null;
  progress: Progress;
}

/** Orgs of these types are not "schools" in the `schools` claim. */
const NOT_SCHOOLS = new Set(['district', 'local', 'state', 'national']);

export const NO_SCHOOL = ['(none)'];

/**
 * Rows read at a time. A batch is still in use when the young generation is next collected, so it is copied, and at
 * the collection after that moved to the old generation, where it stays until a full collection: the bigger the
 * batch, the more garbage piles up there; a bigger batch is no faster either.
 */
const BATCH_ROWS = 1024;

/** The states of a class that PlanState.classState() tells apart, by their position in the class table. */
export const CLASS_STATES = ['active', 'tobedeleted', 'rejected', 'ok'] as const;

/**
 * What the planners share while they read a OneRoster set: the stored roster, what the files hold so far, the changes
 * waiting for the sink, the summary, and the reading of the files.
 */
export class PlanState {
  readonly issues: PlanIssues;

  readonly queues = {
    orgs: new ChangeQueue(),
    academicSessions: new ChangeQueue(),
    courses: new ChangeQueue(),
    classes: new ChangeQueue(),
    users: new ChangeQueue(),
    enrollmentInserts: new ChangeQueue(),
    enrollmentLoads: new ChangeQueue(),
    enrollmentUpdates: new ChangeQueue(),
  };

  readonly summary: ImportSummary;

  modes!: Record<RosterFile, ProcessingMode>;

  snapshot!: RosterSnapshot;

  rows = 0;

  /** Per small entity: sourcedId → 'active' | 'tobedeleted' for rows read from the file. */
  readonly fileRows: Record<EntityFile, Map<string, string>> = {
    orgs: new Map(),
    academicSessions: new Map(),
    courses: new Map(),
    classes: new Map(),
  };

  readonly fileOrgTypes = new Map<string, string>();

  readonly rejected: Record<EntityFile | 'users', Set<string>> = {
    orgs: new Set(),
    academicSessions: new Set(),
    courses: new Set(),
    classes: new Set(),
    users: new Set(),
  };

  /** Users new in this import (not in the database yet). */
  readonly newUsers = new KeyIndex(1024, 0, { payload: false });

  /**
   * Users that are not accounts (guardians, parents): keys alone, as a district's export can list two for each
   * student (a Map of their ids would take about 100 bytes each).
   */
  readonly skippedUsers = new KeyIndex(1024, 0, { payload: false });

  /** Files whose rows could not all be read: nothing they leave out may be treated as absent. */
  readonly incomplete = new Set<RosterFile>();

  /** The stored users, being read by the sink's thread since the start (see ChangeSink.loadUsers). */
  storedUsers: Promise<StoredUsers> | null = null;

  /** The stored enrollments, being read by the sink's thread since the start (see ChangeSink.loadEnrollments). */
  storedEnrollments: Promise<KeyIndex> | null = null;

  /** Rows a file holds, about (from its size and its first rows' length); 0 when unknown. Set when its header is read. */
  readonly estimates: Partial<Record<RosterFile, number>> = {};

  /** Each class's state for enrollments (a CLASS_STATES position), once classes.csv is read (see settleClasses). */
  classStates = new IdTable();

  /** Classes a bulk classes.csv no longer lists (see settleClasses). */
  removedClasses: string[] = [];

  constructor(
    readonly source: RosterSource,
    readonly store: RosterStorePort,
    readonly options: PlanOptions,
  ) {
    this.issues = new PlanIssues(this.incomplete);
    this.summary = {
      accounts: { ...emptyCounts(), byRole: {}, bySchool: {} },
      entities: {
        orgs: emptyEntityCounts(),
        academicSessions: emptyEntityCounts(),
        courses: emptyEntityCounts(),
        classes: emptyEntityCounts(),
        enrollments: emptyEntityCounts(),
      },
      skipped: {},
      notAccounts: {},
      files: {},
      ignoredFiles: [],
      version: null,
    };
  }

  /** Hands the changes decided so far to the sink, parents before children. */
  async flush(): Promise<void> {
    const sink = this.options.sink;
    const q = this.queues;
    for (const file of ENTITY_FILES) {
      const rows = q[file].take();
      if (sink && rows.length) await sink.entities(file, rows);
    }
    const users = q.users.take();
    if (sink && users.length) await sink.users(users);
    const inserts = q.enrollmentInserts.take();
    if (sink && inserts.length) await sink.enrollmentInserts(inserts);
    const loads = q.enrollmentLoads.take();
    if (sink && loads.length) await sink.enrollmentLoads(loads);
    const updates = q.enrollmentUpdates.take();
    if (sink && updates.length) await sink.enrollmentUpdates(updates);
  }

  /** Streams a file's rows with its column map; a file that cannot be read is reported and skipped. */
  async *read(file: RosterFile, options: { texts?: boolean } = {}): AsyncGenerator<{ map: ColumnMap; rows: string[][]; lines: number[]; texts: (string | null)[] | null }> {
    if (this.modes[file] === 'absent') return;
    const name = `${file}.csv`;
    const progress = this.options.progress;
    progress.phase(`${this.options.sink ? 'applying' : 'reading'} ${name}`);
    let map: ColumnMap | null = null;
    let count = 0;
    try {
      for await (const batch of readCsv(await this.source.open(name), BATCH_ROWS, options)) {
        let rows = batch.rows;
        let lines = batch.lines;
        let texts = batch.texts ?? null;
        if (!map) {
          map = mapColumns(file, fieldsOf(batch, 0));
          if (map.ignored.length) this.summary.files[file] = { mode: this.modes[file], rows: 0, ignoredColumns: map.ignored };
          if (map.missing.length) {
            this.issues.fileError(file, 'missingColumns', { columns: map.missing.join(', ') });
            return;
          }
          rows = rows.slice(1);
          lines = lines.slice(1);
          texts = texts && texts.slice(1);
          await this.announce(file, { rows, lines, ...(texts ? { texts } : {}) });
        }
        count += rows.length;
        this.rows += rows.length;
        progress.rows(rows.length);
        yield { map, rows, lines, texts };
      }
    } catch (error) {
      const line = error instanceof CsvSyntaxError ? error.line : 1;
      this.issues.errors.add({
        file: name,
        line,
        ...(error instanceof CsvSyntaxError ? issueFields('unterminatedQuote', { line }) : issueFields('unreadable', { message: (error as Error).message })),
      });
      this.incomplete.add(file);
    } finally {
      this.summary.files[file] = { mode: this.modes[file], rows: count, ...(map?.ignored.length ? { ignoredColumns: map.ignored } : {}) };
    }
    if (!map) {
      this.summary.files[file] = { mode: this.modes[file], rows: 0 };
      // Not even a header: an export that broke off. Treating it as "no rows" would make everyone absent.
      if (!this.incomplete.has(file)) this.issues.fileError(file, 'emptyFile');
    }
  }

  /**
   * Reads a file again (to name rows the first reading did not keep, or to decide the rows it did not), without
   * counting its rows twice; stops where the first reading did.
   */
  async *reread(file: RosterFile, options: { texts?: boolean } = {}): AsyncGenerator<{ map: ColumnMap; rows: string[][]; lines: number[]; texts: (string | null)[] | null }> {
    if (this.modes[file] === 'absent') return;
    let map: ColumnMap | null = null;
    try {
      for await (const batch of readCsv(await this.source.open(`${file}.csv`), BATCH_ROWS, options)) {
        let { rows, lines } = batch;
        let texts = batch.texts ?? null;
        if (!map) {
          map = mapColumns(file, fieldsOf(batch, 0));
          if (map.missing.length) return;
          rows = rows.slice(1);
          lines = lines.slice(1);
          texts = texts && texts.slice(1);
        }
        yield { map, rows, lines, texts };
      }
    } catch {
      // Already reported by the first reading, which stopped at the same place.
    }
  }

  /** Room for a file's rows, about (a tenth more than estimated: its first rows may be longer than the average). */
  reserveFor(file: RosterFile): number {
    return Math.ceil((this.estimates[file] ?? 0) * 1.1);
  }

  /** Estimates a big file's rows from its first batch and tells the sink, before any of them is written. */
  async announce(file: RosterFile, batch: CsvBatch): Promise<void> {
    if (file !== 'users' && file !== 'enrollments' && file !== 'roles') return;
    const rows = batch.rows;
    let bytes = 0;
    try {
      bytes = this.source.size(`${file}.csv`);
    } catch {
      /* size unknown: no estimate */
    }
    let chars = 0;
    for (let i = 0; i < rows.length; i += 1) chars += (batch.texts?.[i] ?? rows[i].join(',')).length + 1;
    const estimate = bytes && chars ? Math.ceil((bytes / chars) * rows.length) : 0;
    this.estimates[file] = estimate;
    const sink = this.options.sink;
    if (!sink || !estimate) return;
    if (file === 'users') await sink.expectUsers(estimate);
    else if (file === 'enrollments') await sink.expectEnrollments(estimate);
  }

  /** Whether an entity of another file exists in this import (or, when that file is not bulk, in the database). */
  exists(file: EntityFile, id: string): 'ok' | 'rejected' | 'tobedeleted' | 'missing' {
    const status = this.fileRows[file].get(id);
    if (status === 'active') return 'ok';
    if (status === 'tobedeleted') return 'tobedeleted';
    if (this.rejected[file].has(id)) return 'rejected';
    const stored = this.snapshotOf(file).get(id);
    if (stored !== undefined && (this.modes[file] !== 'bulk' || this.incomplete.has(file))) return stored < 0 || stored % 2 === 1 ? 'ok' : 'tobedeleted';
    return 'missing';
  }

  snapshotOf(file: EntityFile): PackedRows {
    switch (file) {
      case 'orgs':
        return this.snapshot.orgs;
      case 'academicSessions':
        return this.snapshot.sessions;
      case 'courses':
        return this.snapshot.courses;
      case 'classes':
        return this.snapshot.classes;
    }
  }

  absent(file: EntityFile, stored: PackedRows, eligible: (packed: number) => boolean): string[] {
    if (this.modes[file] !== 'bulk' || this.incomplete.has(file)) return [];
    const seen = this.fileRows[file];
    const out: string[] = [];
    for (const [id, packed] of stored) {
      if (packed < 0 || seen.has(id) || this.rejected[file].has(id) || !eligible(packed)) continue;
      out.push(id);
    }
    this.summary.entities[file].removed += out.length;
    return out;
  }

  /** Counts a user once in all and by role, and under each of its schools (a teacher at two schools counts at both). */
  countUser(outcome: AccountOutcome, role: string, schools: readonly string[]): void {
    const accounts = this.summary.accounts;
    accounts[outcome] += 1;
    (accounts.byRole[role] ??= emptyCounts())[outcome] += 1;
    for (const school of schools) {
      const bySchool = (accounts.bySchool[school] ??= { ...emptyCounts(), name: this.snapshot.orgNames.get(school) ?? null });
      bySchool[outcome] += 1;
    }
  }

  /** The orgs that are schools. */
  schoolsOf(orgIds: readonly string[]): string[] {
    return orgIds.filter((org) => !NOT_SCHOOLS.has((this.fileOrgTypes.get(org) ?? this.snapshot.orgTypes.get(org) ?? 'school') as string));
  }

  /** What a user is counted under in the summary: its schools; else its first org (a district's staff), else none. */
  countedSchools(orgIds: readonly string[], schools = this.schoolsOf(orgIds)): readonly string[] {
    return schools.length ? schools : orgIds.length ? [orgIds[0]] : NO_SCHOOL;
  }

  /**
   * The state of a class an enrollment names: its status in this file ('active' or 'tobedeleted'), else 'rejected',
   * else what exists() said of the stored class ('ok', 'tobedeleted' or 'missing'); see usableClass.
   */
  classState(id: string): string {
    const handle = this.classStates.find(id);
    return handle === -1 ? 'missing' : CLASS_STATES[this.classStates.valueAt(handle)];
  }
}
