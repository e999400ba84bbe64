import type { z } from 'zod';
import { mapRole, ROSTER_ROLES, renderUsername, studentNumberOf, templateRole, usernameKey, type RosterRole } from './accounts-mapping.js';
import { columnName, mapColumns, pick, type ColumnMap, type RosterFile } from './columns.js';
import { CsvSyntaxError, fieldsOf, own, readCsv, type CsvBatch } from './csv.js';
import { fieldsHash, hash32, lineHash, rowHash } from './hash.js';
import { issueFields, type IssueCode, type IssueMessage, type IssueParams } from './issue-text.js';
import { IssueList, type RowIssue } from './issues.js';
import { FileDigests } from './enrollment-digest.js';
import { IdTable } from './id-table.js';
import { KeyIndex } from './key-index.js';
import { orderedIds } from './ordered-id.js';
import { readManifest, type Manifest, type ProcessingMode } from './manifest.js';
import { RolesTable } from './roles-table.js';
import { USER_DISABLED, USER_DISABLED_BY_ROSTER, USER_REJECTED, USER_SEEN, type StoredUsers } from './stored-users.js';
import {
  type PackedRows,
  type RosterSnapshot,
  type RosterStorePort,
  type Row,
} from './ports.js';
import type { Progress } from './progress.js';
import {
  classRow,
  CONTROL,
  courseRow,
  enrollmentRow,
  fastClass,
  fastEnrollment,
  fastRole,
  fastUser,
  issuesOf,
  orgRow,
  roleRow,
  sessionRow,
  userRow,
  type ClassRecord,
  type CourseRecord,
  type EnrollmentRecord,
  type OrgRecord,
  type SessionRecord,
  type UserRecord,
} from './rows.js';
import type { RosterSource } from './source.js';
import { ChangeQueue, type ChangeSink } from './changes.js';
import { ENTITY_FILES, USER_COLUMNS, type EntityFile } from './written-tables.js';
import { emptyCounts, emptyEntityCounts, type AccountCounts, type AccountOutcome, type EntityCounts, type ImportSummary } from './summary.js';

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
/** Everything the apply step needs, decided before anything is written. */
export interface ImportPlan {
  manifest: Manifest;
  modes: Record<RosterFile, ProcessingMode>;
  /** Users whose account becomes disabled (sourcedIds of users already in the database). */
  disable: string[];
  reenable: string[];
  /** Small tables: sourcedIds no longer in a bulk file (orgs are marked tobedeleted, the rest deleted). */
  removed: Record<EntityFile, string[]>;
  /** Enrollment row ids to delete (absent from a bulk file, or tobedeleted). */
  enrollmentDeletes: number[];
  errors: IssueList;
  warnings: IssueList;
  summary: ImportSummary;
  /** Active roster accounts before the import, and how many this import would disable. */
  guard: { activeBefore: number; wouldDisable: number; share: number; limit: number };
  rows: number;
}

interface UserCandidate {
  sourcedId: string;
  line: number;
  existing: boolean;
  accountId: string | null;
  values: (string | number | null)[];
  usernameKey: string;
  studentNumber: string | null;
  role: RosterRole;
  /** The schools the user is counted under in the summary (see countedSchools). */
  schools: readonly string[];
  enabled: boolean;
  flags: number;
  changed: boolean;
}

/** What counting and status need of a user (see decideStatus). */
type UserOutcome = Pick<UserCandidate, 'sourcedId' | 'existing' | 'role' | 'schools' | 'enabled' | 'flags'>;

const NO_SCHOOL = ['(none)'];

/**
 * Rows read at a time. A batch is still in use when the young generation is next collected, so it is copied, and at
 * the collection after that moved to the old generation, where it stays until a full collection: the bigger the
 * batch, the more garbage piles up there. At a million students an unchanged re-import peaked at 705 MB with batches
 * of 4,096 rows and at 494 MB with 1,024 (and was no slower).
 */
const BATCH_ROWS = 1024;

/** Bumped whenever users.csv rows map to accounts differently: every stored line hash then stops matching. */
const USER_MAPPING_VERSION = 1;

/**
 * Reads, validates and diffs a OneRoster set against the database, streaming: each batch of changes goes to the sink
 * (the writer inside the import's transaction) as soon as it is decided, so nothing grows with the file but indexes.
 */
export class Planner {
  private readonly errors = new IssueList();
  private readonly warnings = new IssueList();
  /**
   * New accounts get time-ordered ids (UUIDv7): every index keyed by account id (accounts, roster_users, roles,
   * schools) then grows at its end instead of at random places, which halves the cost of creating a district's
   * accounts. The id says no more than when the account was created.
   */
  private readonly newAccountId = orderedIds();
  private readonly queues = {
    orgs: new ChangeQueue(),
    academicSessions: new ChangeQueue(),
    courses: new ChangeQueue(),
    classes: new ChangeQueue(),
    users: new ChangeQueue(),
    enrollmentInserts: new ChangeQueue(),
    enrollmentLoads: new ChangeQueue(),
    enrollmentUpdates: new ChangeQueue(),
  };
  private readonly summary: ImportSummary;
  private modes!: Record<RosterFile, ProcessingMode>;
  private snapshot!: RosterSnapshot;
  private rows = 0;

  /** Per small entity: sourcedId → 'active' | 'tobedeleted' for rows read from the file. */
  private readonly fileRows: Record<EntityFile, Map<string, string>> = {
    orgs: new Map(),
    academicSessions: new Map(),
    courses: new Map(),
    classes: new Map(),
  };
  private readonly fileOrgTypes = new Map<string, string>();
  private readonly rejected: Record<EntityFile | 'users', Set<string>> = {
    orgs: new Set(),
    academicSessions: new Set(),
    courses: new Set(),
    classes: new Set(),
    users: new Set(),
  };
  /** Users new in this import (not in the database yet). */
  private readonly newUsers = new KeyIndex(1024, 0, { payload: false });
  /**
   * Users that are not accounts (guardians, parents): keys alone, as a district's export can list two for each
   * student (a Map of their ids took about 100 bytes each).
   */
  private readonly skippedUsers = new KeyIndex(1024, 0, { payload: false });
  /** 1.2 roles.csv, per user. */
  private roles = new RolesTable();
  /**
   * New and changed users' usernames and student numbers → the line that has them, for in-file duplicates. These
   * three are compact hash sets (KeyIndex: about 22 bytes a user instead of about 80 for a Map of strings), as a
   * state's million users would otherwise take hundreds of megabytes; see KeyIndex for what a (one in billions) hash
   * collision would do here: report a duplicate that is not one, for a human to look at.
   */
  private fileUsernames = new KeyIndex();
  private fileStudentNumbers = new KeyIndex();
  private readonly adopted = new Set<string>();
  private readonly disable: string[] = [];
  private readonly reenable: string[] = [];
  private enrollmentDeletes: number[] = [];
  /** Files whose rows could not all be read: nothing they leave out may be treated as absent. */
  private readonly incomplete = new Set<RosterFile>();

  constructor(
    private readonly source: RosterSource,
    private readonly store: RosterStorePort,
    private readonly options: PlanOptions,
  ) {
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

  async plan(): Promise<ImportPlan> {
    const progress = this.options.progress;
    const manifest = await readManifest(this.source);
    for (const note of manifest.notes) this.warnings.add({ file: 'manifest.csv', line: 1, ...issueFields(note.code, note.params) });
    this.modes = { ...manifest.modes };
    if (this.options.forceDelta) for (const file of Object.keys(this.modes) as RosterFile[]) if (this.modes[file] === 'bulk') this.modes[file] = 'delta';
    this.summary.version = manifest.version;
    const used = new Set(['manifest.csv', ...Object.keys(this.modes).map((f) => `${f.toLowerCase()}.csv`)]);
    this.summary.ignoredFiles = this.source.files().filter((f) => !used.has(f.toLowerCase()));

    progress.phase('loading the current roster');
    // A sink with a thread of its own reads the stored users and enrollments there, while this thread reads the
    // other files; it is asked before anything is written, so it reads the roster as it was before the import.
    const sink = this.options.sink;
    const threaded = Boolean(sink?.loadUsers && sink.loadEnrollments);
    this.snapshot = await this.store.loadSnapshot({ users: !threaded });
    if (threaded) {
      this.storedUsers = sink!.loadUsers!(this.snapshot.userCount);
      this.storedUsers.catch(() => undefined); // surfaces where it is awaited
      if (this.modes.enrollments !== 'absent' && this.snapshot.enrollmentCount && this.snapshot.enrollmentsNeedFullIndex) {
        // Room for the file's new rows too (a nightly file mostly repeats the stored ones): no rehash later.
        this.storedEnrollments = sink!.loadEnrollments!(Math.ceil(this.snapshot.enrollmentCount * 1.1) + 1024);
        this.storedEnrollments.catch(() => undefined);
      }
    }

    for (const file of ENTITY_FILES) await this.readEntities(file);
    this.settleClasses();
    await this.readRoles();
    if (this.storedUsers) this.snapshot.users = await this.storedUsers;
    this.storedUsers = null;
    await this.readUsers();
    await this.readEnrollments();

    await this.flush();
    const wouldDisable = this.disable.length;
    const activeBefore = this.snapshot.users.active;
    return {
      manifest,
      modes: this.modes,
      disable: this.disable,
      reenable: this.reenable,
      removed: {
        orgs: this.absent('orgs', this.snapshot.orgs, (packed) => packed >= 0 && packed % 2 === 1),
        academicSessions: this.absent('academicSessions', this.snapshot.sessions, () => true),
        courses: this.absent('courses', this.snapshot.courses, () => true),
        classes: this.removedClasses,
      },
      enrollmentDeletes: this.enrollmentDeletes,
      errors: this.errors,
      warnings: this.warnings,
      summary: this.summary,
      guard: { activeBefore, wouldDisable, share: activeBefore ? wouldDisable / activeBefore : 0, limit: this.options.settings.maxDisableShare },
      rows: this.rows,
    };
  }

  /** Hands the changes decided so far to the sink, parents before children. */
  private async flush(): Promise<void> {
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

  // ---- reading -------------------------------------------------------------------------------------------------

  /** Streams a file's rows with its column map; a file that cannot be read is reported and skipped. */
  private async *read(file: RosterFile, options: { texts?: boolean } = {}): AsyncGenerator<{ map: ColumnMap; rows: string[][]; lines: number[]; texts: (string | null)[] | null }> {
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
            this.fileError(file, 'missingColumns', { columns: map.missing.join(', ') });
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
      this.errors.add({ file: name, line, ...(error instanceof CsvSyntaxError ? issueFields('unterminatedQuote', { line }) : issueFields('unreadable', { message: (error as Error).message })) });
      this.incomplete.add(file);
    } finally {
      this.summary.files[file] = { mode: this.modes[file], rows: count, ...(map?.ignored.length ? { ignoredColumns: map.ignored } : {}) };
    }
    if (!map) {
      this.summary.files[file] = { mode: this.modes[file], rows: 0 };
      // Not even a header: an export that broke off. Treating it as "no rows" would make everyone absent.
      if (!this.incomplete.has(file)) this.fileError(file, 'emptyFile');
    }
  }

  /**
   * Reads a file again (to name rows the first reading did not keep, or to decide the rows it did not), without
   * counting its rows twice; stops where the first reading did.
   */
  private async *reread(file: RosterFile, options: { texts?: boolean } = {}): AsyncGenerator<{ map: ColumnMap; rows: string[][]; lines: number[]; texts: (string | null)[] | null }> {
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

  /** Rows a file holds, about (from its size and its first rows' length); 0 when unknown. Set when its header is read. */
  private readonly estimates: Partial<Record<RosterFile, number>> = {};

  /** Room for a file's rows, about (a tenth more than estimated: its first rows may be longer than the average). */
  private reserveFor(file: RosterFile): number {
    return Math.ceil((this.estimates[file] ?? 0) * 1.1);
  }

  /** Estimates a big file's rows from its first batch and tells the sink, before any of them is written. */
  private async announce(file: RosterFile, batch: CsvBatch): Promise<void> {
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

  private fileError(file: RosterFile, code: IssueCode, params?: IssueParams): void {
    this.errors.add({ file: `${file}.csv`, line: 1, ...issueFields(code, params) });
    this.incomplete.add(file);
  }

  /** Where a row issue is: file, line, column (as the file names it) and the row's sourcedId. */
  private place(file: RosterFile, map: ColumnMap, line: number, sourcedId: string | undefined, field: string | null): Omit<RowIssue, 'reason'> {
    return { file: `${file}.csv`, line, ...(field ? { column: columnName(map, field) } : {}), ...(sourcedId ? { sourcedId } : {}) };
  }

  private rowIssue(file: RosterFile, map: ColumnMap, line: number, sourcedId: string | undefined, field: string | null, problem: IssueMessage): RowIssue {
    return { ...this.place(file, map, line, sourcedId, field), ...issueFields(problem.code, problem.params) };
  }

  private reject(file: RosterFile, map: ColumnMap, line: number, sourcedId: string | undefined, field: string | null, code: IssueCode, params?: IssueParams): void {
    this.errors.add(this.rowIssue(file, map, line, sourcedId, field, { code, params }));
  }

  private warn(file: RosterFile, map: ColumnMap, line: number, sourcedId: string | undefined, field: string | null, code: IssueCode, params?: IssueParams): void {
    this.warnings.add(this.rowIssue(file, map, line, sourcedId, field, { code, params }));
  }

  /** zod-parses a row; reports every problem and returns null when invalid. */
  private parse<T extends z.ZodType>(
    schema: T,
    file: RosterFile,
    map: ColumnMap,
    row: string[],
    line: number,
    fast?: (fields: Record<string, string>) => z.output<T> | null,
  ): z.output<T> | null {
    const fields = pick(map, row);
    if (CONTROL.test(row.join(''))) {
      const field = Object.keys(fields).find((k) => CONTROL.test(fields[k]));
      if (field) {
        this.reject(file, map, line, fields.sourcedId?.trim() || undefined, field, 'controlCharacters', { field });
        return null;
      }
    }
    if (fast) {
      const record = fast(fields);
      if (record) return record;
    }
    const result = schema.safeParse(fields);
    if (result.success) return result.data;
    const sourcedId = fields.sourcedId?.trim() || undefined;
    for (const issue of issuesOf(result.error)) {
      if (issue.code) this.reject(file, map, line, sourcedId, issue.field || null, issue.code, { field: issue.field, ...issue.params });
      else this.errors.add({ ...this.place(file, map, line, sourcedId, issue.field || null), reason: `${issue.field ? `${issue.field} ` : ''}${issue.reason}` });
    }
    return null;
  }

  /** Whether an entity of another file exists in this import (or, when that file is not bulk, in the database). */
  private exists(file: EntityFile, id: string): 'ok' | 'rejected' | 'tobedeleted' | 'missing' {
    const status = this.fileRows[file].get(id);
    if (status === 'active') return 'ok';
    if (status === 'tobedeleted') return 'tobedeleted';
    if (this.rejected[file].has(id)) return 'rejected';
    const stored = this.snapshotOf(file).get(id);
    if (stored !== undefined && (this.modes[file] !== 'bulk' || this.incomplete.has(file))) return stored < 0 || stored % 2 === 1 ? 'ok' : 'tobedeleted';
    return 'missing';
  }

  private snapshotOf(file: EntityFile): PackedRows {
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

  private absent(file: EntityFile, stored: PackedRows, eligible: (packed: number) => boolean): string[] {
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

  // ---- orgs, sessions, courses, classes ------------------------------------------------------------------------

  /** Parent references of orgs and sessions, checked once the whole file is read (a parent may come later). */
  private parents: { file: EntityFile; id: string; parent: string; line: number; column: string }[] = [];

  private checkParents(): void {
    for (const p of this.parents) {
      if (this.exists(p.file, p.parent) === 'missing') {
        this.warnings.add({ file: `${p.file}.csv`, line: p.line, column: p.column, sourcedId: p.id, ...issueFields('parentMissing', { parent: p.parent, file: `${p.file}.csv` }) });
      }
    }
    this.parents = [];
  }

  private async readEntities(file: EntityFile): Promise<void> {
    const counts = this.summary.entities[file];
    const out = this.queues[file];
    const stored = this.snapshotOf(file);
    const seen = this.fileRows[file];
    for await (const { map, rows, lines } of this.read(file)) {
      for (let i = 0; i < rows.length; i += 1) {
        const line = lines[i];
        const values = this.entityValues(file, map, rows[i], line);
        if (!values) {
          const id = (pick(map, rows[i]).sourcedId ?? '').trim();
          if (id) this.rejected[file].add(own(id));
          counts.rejected += 1;
          continue;
        }
        const id = values[0] as string;
        if (seen.has(id)) {
          this.reject(file, map, line, id, 'sourcedId', 'duplicateId');
          counts.rejected += 1;
          continue;
        }
        const status = values[values.length - 1] as string;
        seen.set(own(id), status);
        if (file === 'orgs') {
          this.fileOrgTypes.set(own(id), own(values[2] as string));
          this.snapshot.orgNames.set(own(id), own(values[1] as string));
        }
        const hash = rowHash(values);
        const existing = stored.get(id);
        if (existing !== undefined && existing >= 0 && Math.floor(existing / 2) === hash) {
          counts.unchanged += 1;
          continue;
        }
        if (existing === undefined) counts.created += 1;
        else counts.updated += 1;
        const row: Row = values;
        row.push(hash);
        out.push(row);
      }
      await this.flush();
    }
    this.checkParents();
  }

  /** Validates a row of a small file and returns its stored values (status last), or null. */
  private entityValues(file: EntityFile, map: ColumnMap, row: string[], line: number): (string | null)[] | null {
    switch (file) {
      case 'orgs': {
        const r: OrgRecord | null = this.parse(orgRow, file, map, row, line);
        if (!r) return null;
        if (r.parentSourcedId) this.parents.push({ file, id: r.sourcedId, parent: r.parentSourcedId, line, column: columnName(map, 'parentSourcedId') });
        return [r.sourcedId, r.name, r.type, r.identifier, r.parentSourcedId, r.status];
      }
      case 'academicSessions': {
        const r: SessionRecord | null = this.parse(sessionRow, file, map, row, line);
        if (!r) return null;
        if (r.parentSourcedId) this.parents.push({ file, id: r.sourcedId, parent: r.parentSourcedId, line, column: columnName(map, 'parentSourcedId') });
        return [r.sourcedId, r.title, r.type, r.startDate, r.endDate, r.parentSourcedId, r.schoolYear, r.status];
      }
      case 'courses': {
        const r: CourseRecord | null = this.parse(courseRow, file, map, row, line);
        if (!r) return null;
        if (r.orgSourcedId && this.exists('orgs', r.orgSourcedId) === 'missing') {
          this.warn(file, map, line, r.sourcedId, 'orgSourcedId', 'orgMissing', { org: r.orgSourcedId });
        }
        return [r.sourcedId, r.title, r.courseCode, r.orgSourcedId, r.schoolYearSourcedId, joinList(r.grades), joinList(r.subjects), r.status];
      }
      case 'classes': {
        const r: ClassRecord | null = this.parse(classRow, file, map, row, line, fastClass);
        if (!r) return null;
        const school = this.exists('orgs', r.schoolSourcedId);
        if (school !== 'ok' && r.status === 'active') {
          this.reject(file, map, line, r.sourcedId, 'schoolSourcedId', ORG_PROBLEMS[school], { org: r.schoolSourcedId });
          return null;
        }
        if (r.courseSourcedId && this.modes.courses !== 'absent' && this.exists('courses', r.courseSourcedId) === 'missing') {
          this.warn(file, map, line, r.sourcedId, 'courseSourcedId', 'courseMissing', { course: r.courseSourcedId });
        }
        for (const term of r.termSourcedIds) {
          if (this.exists('academicSessions', term) === 'missing') {
            this.warn(file, map, line, r.sourcedId, 'termSourcedIds', 'sessionMissing', { session: term });
          }
        }
        return [
          r.sourcedId, r.title, r.classCode, r.classType, r.location, r.schoolSourcedId, r.courseSourcedId, joinList(r.termSourcedIds),
          joinList(r.grades), joinList(r.subjects), joinList(r.periods), r.status,
        ];
      }
    }
  }

  // ---- roles (1.2) ---------------------------------------------------------------------------------------------

  private async readRoles(): Promise<void> {
    let sized = false;
    for await (const { map, rows, lines } of this.read('roles')) {
      if (!sized) this.roles.reserve(this.reserveFor('roles'));
      sized = true;
      for (let i = 0; i < rows.length; i += 1) {
        const r = this.parse(roleRow, 'roles', map, rows[i], lines[i], fastRole);
        if (!r) {
          const user = (pick(map, rows[i]).userSourcedId ?? '').trim();
          // A user whose role cannot be read cannot be given an account correctly.
          if (user) this.roles.reject(user);
          continue;
        }
        // A tobedeleted role still says what the user is (the user row says whether the account stays).
        if (r.orgSourcedId) {
          const org = this.exists('orgs', r.orgSourcedId);
          if (org !== 'ok') {
            this.reject('roles', map, lines[i], r.sourcedId ?? undefined, 'orgSourcedId', ORG_PROBLEMS[org], { org: r.orgSourcedId });
            this.roles.reject(r.userSourcedId);
            continue;
          }
        }
        this.roles.add(r.userSourcedId, r.role, r.roleType === 'primary', r.orgSourcedId);
      }
    }
  }

  // ---- users ---------------------------------------------------------------------------------------------------

  /** Counts a user once in all and by role, and under each of its schools (a teacher at two schools counts at both). */
  private countUser(outcome: AccountOutcome, role: string, schools: readonly string[]): void {
    const accounts = this.summary.accounts;
    accounts[outcome] += 1;
    (accounts.byRole[role] ??= emptyCounts())[outcome] += 1;
    for (const school of schools) {
      const bySchool = (accounts.bySchool[school] ??= { ...emptyCounts(), name: this.snapshot.orgNames.get(school) ?? null });
      bySchool[outcome] += 1;
    }
  }

  /**
   * What a stored user's line hash stands for besides the line: the header's columns (by canonical name, in order),
   * the username settings, the mapping's version and the orgs a user may reference (with their types). When all of
   * these and the user's roles.csv rows are as they were, an identical line maps to the identical account: the line
   * is recognised as unchanged without being parsed. Null when no line may be (an org was rejected or its file could
   * not be read).
   */
  private userLineSeed(map: ColumnMap): { seed: number; known: Uint8Array; idAt: number } | null {
    if (this.incomplete.has('orgs') || this.rejected.orgs.size) return null;
    const known = new Uint8Array(map.header.length);
    const columns = Object.entries(map.index)
      .filter(([name, position]) => position >= 0 && name !== 'dateLastModified')
      .sort((a, b) => a[1] - b[1]);
    for (const [, position] of columns) known[position] = 1;
    // The orgs exists() accepts, with their types; summed, so their order does not matter.
    let orgs = 0;
    const fileOrgs = this.fileRows.orgs;
    for (const [id, type] of this.fileOrgTypes) orgs = (orgs + hash32(`${id}\x1f${type}`)) >>> 0;
    if (this.modes.orgs !== 'bulk') {
      for (const [id, type] of this.snapshot.orgTypes) if (!fileOrgs.has(id)) orgs = (orgs + hash32(`${id}\x1f${type}`)) >>> 0;
    }
    const settings = this.options.settings;
    const context = [
      USER_MAPPING_VERSION, columns.map(([name]) => name).join(','), settings.studentIdSource,
      ...ROSTER_ROLES.map((role) => settings.usernameTemplates[role]), orgs,
    ].join('\x1e');
    return { seed: hash32(context), known, idAt: map.index.sourcedId ?? -1 };
  }

  /** Role, schools and the file's enabled flag of a stored user whose line is unchanged, from its stored group. */
  private groupOutcomes: ({ role: RosterRole; schools: readonly string[]; enabled: boolean } | null)[] = [];

  private storedOutcome(users: StoredUsers, handle: number): { role: RosterRole; schools: readonly string[]; enabled: boolean } | null {
    const n = users.groupNumberAt(handle);
    if (n === 0) return null;
    let outcome = this.groupOutcomes[n];
    if (outcome === undefined) {
      // enabled|role|orgIds (an org's sourcedId may hold a '|': the orgs are all that follows the second one)
      const group = users.groupAt(handle)!;
      const first = group.indexOf('|');
      const second = group.indexOf('|', first + 1);
      const [enabled, role, orgList] = [group.slice(0, first), group.slice(first + 1, second), group.slice(second + 1)];
      const orgIds = orgList ? orgList.split(',') : [];
      outcome = ROSTER_ROLES.includes(role as RosterRole)
        ? { role: role as RosterRole, schools: this.countedSchools(orgIds), enabled: enabled === '1' }
        : null;
      this.groupOutcomes[n] = outcome;
    }
    return outcome;
  }

  /** The orgs that are schools. */
  private schoolsOf(orgIds: readonly string[]): string[] {
    return orgIds.filter((org) => !NOT_SCHOOLS.has((this.fileOrgTypes.get(org) ?? this.snapshot.orgTypes.get(org) ?? 'school') as string));
  }

  /** What a user is counted under in the summary: its schools; else its first org (a district's staff), else none. */
  private countedSchools(orgIds: readonly string[], schools = this.schoolsOf(orgIds)): readonly string[] {
    return schools.length ? schools : orgIds.length ? [orgIds[0]] : NO_SCHOOL;
  }

  private async readUsers(): Promise<void> {
    const settings = this.options.settings;
    const users = this.snapshot.users;
    const out = this.queues.users;
    let lineSeed: ReturnType<Planner['userLineSeed']> | undefined;
    let wanted = new Int8Array(0);
    const picked = [''];
    for await (const { map, rows, lines, texts } of this.read('users', { texts: true })) {
      if (lineSeed === undefined) {
        // Sized once for the users that are not stored (all of a first load's): growing them (by half each time) copies
        // every entry and can leave them half empty. An unchanged stored user, recognised from its line, enters none.
        const expected = this.reserveFor('users') - this.snapshot.userCount;
        this.fileUsernames.reserve(expected);
        this.fileStudentNumbers.reserve(expected);
        this.newUsers.reserve(expected);
        lineSeed = this.userLineSeed(map);
        if (lineSeed && lineSeed.idAt >= 0) {
          wanted = new Int8Array(map.header.length).fill(-1);
          wanted[lineSeed.idAt] = 0;
        }
      }
      const candidates: UserCandidate[] = [];
      for (let i = 0; i < rows.length; i += 1) {
        const line = lines[i];
        const text = texts?.[i] ?? null;
        let row = text === null ? rows[i] : null;
        // The line's hash in its context (0: none), and the unchanged stored users it identifies without parsing.
        let userLine = 0;
        if (lineSeed) {
          let rawId: string;
          if (row === null) {
            picked[0] = '';
            userLine = lineHash(text!, lineSeed.known, lineSeed.seed, wanted, picked);
            rawId = picked[0];
          } else {
            userLine = fieldsHash(row, lineSeed.known, lineSeed.seed);
            rawId = lineSeed.idAt >= 0 && lineSeed.idAt < row.length ? row[lineSeed.idAt] : '';
          }
          const rawTrimmed = rawId.trim();
          userLine = ((userLine ^ Math.imul(this.roles.signature(rawTrimmed), 0x9e3779b1)) >>> 0) || 1;
          const handle = rawTrimmed ? users.find(rawTrimmed) : -1;
          if (handle !== -1 && users.lineHashAt(handle) === userLine && !(users.flagsAt(handle) & (USER_SEEN | USER_REJECTED))) {
            const outcome = this.storedOutcome(users, handle);
            if (outcome) {
              const flags = users.flagsAt(handle);
              users.addFlags(handle, USER_SEEN);
              this.roles.take(rawTrimmed);
              this.decideStatus({ sourcedId: rawTrimmed, existing: true, flags, ...outcome }, false);
              continue;
            }
          }
        }
        row ??= text!.split(',');
        const warnings = this.warnings.count;
        const r: UserRecord | null = this.parse(userRow, 'users', map, row, line, fastUser);
        if (!r) {
          const id = (pick(map, row).sourcedId ?? '').trim();
          this.rejectUser(id, null);
          continue;
        }
        const id = r.sourcedId;
        const handle = users.find(id);
        const stored = handle !== -1;
        const storedFlags = stored ? users.flagsAt(handle) : 0;
        if (storedFlags & USER_SEEN || this.newUsers.find(id) >= 0 || this.skippedUsers.find(id) >= 0 || this.rejected.users.has(id)) {
          this.reject('users', map, line, id, 'sourcedId', 'duplicateId');
          this.summary.accounts.rejected += 1;
          continue;
        }
        if (stored) users.addFlags(handle, USER_SEEN);

        // Roles: users.csv (1.1) and roles.csv (1.2).
        const oneRosterRoles: string[] = [];
        let primary: string | null = null;
        let roleOrgs: readonly string[] = [];
        if (r.role) {
          for (const role of r.role.split(',').map((s) => s.trim()).filter(Boolean)) oneRosterRoles.push(role);
          primary = oneRosterRoles[0] ?? null;
        }
        const fromRoles = this.roles.take(id);
        if (fromRoles) {
          if (fromRoles.rejected) {
            this.reject('users', map, line, id, null, 'rolesRowRejected');
            this.rejectUser(id, null);
            continue;
          }
          if (fromRoles.primary) {
            primary ??= fromRoles.primary;
            oneRosterRoles.push(fromRoles.primary);
          }
          oneRosterRoles.push(...fromRoles.others);
          roleOrgs = fromRoles.orgs;
        }
        if (!oneRosterRoles.length) {
          this.reject('users', map, line, id, 'role', this.modes.roles === 'absent' ? 'roleRequired' : 'noRole');
          this.rejectUser(id, null);
          continue;
        }
        const mapped = new Set<RosterRole>();
        let unknownRole: string | null = null;
        for (const role of oneRosterRoles) {
          const known = mapOneRosterRole(role);
          if (known === undefined) unknownRole = role;
          else if (known) mapped.add(known);
        }
        if (unknownRole !== null) {
          this.reject('users', map, line, id, 'role', 'unknownRole', { role: unknownRole });
          this.rejectUser(id, null);
          continue;
        }
        const primaryMapped = primary ? mapOneRosterRole(primary) ?? null : null;
        const role = templateRole(primaryMapped, mapped);
        if (!role) {
          const roles = oneRosterRoles.join(', ');
          const reason = `role ${roles}: not an account`;
          this.skippedUsers.add(id, 0, 0, true);
          this.summary.skipped[reason] = (this.summary.skipped[reason] ?? 0) + 1;
          this.summary.notAccounts[roles] = (this.summary.notAccounts[roles] ?? 0) + 1;
          this.summary.accounts.skipped += 1;
          continue;
        }

        // Orgs and schools.
        const orgIds: string[] = r.primaryOrgSourcedId ? [r.primaryOrgSourcedId] : [];
        for (const list of [r.orgSourcedIds, roleOrgs]) for (const org of list) if (!orgIds.includes(org)) orgIds.push(org);
        let badOrg: IssueMessage | null = null;
        for (const org of orgIds) {
          const state = this.exists('orgs', org);
          if (state === 'missing' || state === 'rejected') {
            badOrg = { code: ORG_PROBLEMS[state], params: { org } };
            break;
          }
        }
        if (badOrg) {
          this.reject('users', map, line, id, r.primaryOrgSourcedId ? 'primaryOrgSourcedId' : 'orgSourcedIds', badOrg.code, badOrg.params);
          this.rejectUser(id, role);
          continue;
        }
        const schools = this.schoolsOf(orgIds);
        const counted = this.countedSchools(orgIds, schools);

        // Student number and username.
        const studentNumber = mapped.has('student') ? studentNumberOf(settings.studentIdSource, r) : null;
        const email = r.email && /^[^\s@]+@[^\s@]+$/.test(r.email) ? r.email : null;
        if (r.email && !email) this.warn('users', map, line, id, 'email', 'badEmail', { email: r.email });
        const rendered = renderUsername(settings.usernameTemplates[role], { studentNumber, identifier: r.identifier, username: r.username, sourcedId: id, email });
        if ('error' in rendered) {
          this.reject('users', map, line, id, role === 'student' ? null : 'username', rendered.error.code, rendered.error.params);
          this.rejectUser(id, role, counted);
          continue;
        }
        const enabled = r.status !== 'tobedeleted' && r.enabledUser !== false;
        const roles = [...mapped].sort().join(',');
        const values: (string | number | null)[] = [
          rendered.username, r.givenName, r.familyName, email, studentNumber, r.grades[0] ?? null, roles, schools.join(','), role, r.identifier,
          r.userIds, orgIds.join(','), r.grades.length ? r.grades.join(',') : null, enabled ? 1 : 0,
        ];
        const hash = rowHash(values);
        const candidate: UserCandidate = {
          sourcedId: id,
          line,
          existing: stored,
          accountId: null,
          values,
          usernameKey: usernameKey(rendered.username),
          studentNumber,
          role,
          schools: counted,
          enabled,
          flags: storedFlags,
          changed: !stored || users.hashAt(handle) !== hash,
        };
        // A row that warns (a bad email) keeps warning at every import: it is never taken as unchanged from its line.
        if (this.warnings.count !== warnings) userLine = 0;
        candidate.values.push(hash, userLine);
        if (!candidate.changed) {
          if (userLine && users.lineHashAt(handle) !== userLine) out.push(lineOnly(id, userLine));
          this.decideStatus(candidate, false);
          continue;
        }
        // In-file duplicates among new or changed users (unchanged ones are checked against the database below).
        const sameName = this.fileUsernames.find(candidate.usernameKey);
        if (sameName >= 0) {
          this.reject('users', map, line, id, 'username', 'usernameTwice', { username: rendered.username, line: this.fileUsernames.contentAt(sameName) });
          this.rejectUser(id, role, counted);
          continue;
        }
        if (studentNumber) {
          const sameNumber = this.fileStudentNumbers.find(studentNumber);
          if (sameNumber >= 0) {
            this.reject('users', map, line, id, null, 'studentNumberTwice', { number: studentNumber, line: this.fileStudentNumbers.contentAt(sameNumber) });
            this.rejectUser(id, role, counted);
            continue;
          }
          this.fileStudentNumbers.add(studentNumber, line, 0, true);
        }
        this.fileUsernames.add(candidate.usernameKey, line, 0, true);
        candidates.push(candidate);
      }
      await this.settleCandidates(candidates, map, out);
      await this.flush();
    }
    await this.afterUsers();
  }

  private rejectUser(id: string, role: string | null, schools: readonly string[] = NO_SCHOOL): void {
    if (id) {
      this.rejected.users.add(own(id));
      const stored = this.snapshot.users.find(id);
      if (stored !== -1) this.snapshot.users.addFlags(stored, USER_REJECTED);
    }
    this.countUser('rejected', role ?? '(unknown)', schools);
  }

  /** Checks new and changed users' usernames and student numbers against the accounts already stored. */
  private async settleCandidates(candidates: UserCandidate[], map: ColumnMap, out: ChangeQueue): Promise<void> {
    if (!candidates.length) return;
    const hits = await this.store.findAccounts(
      candidates.map((c) => c.usernameKey),
      candidates.filter((c) => c.studentNumber).map((c) => c.studentNumber!),
    );
    const byUsername = new Map(hits.map((h) => [h.usernameKey, h]));
    const byStudentId = new Map(hits.filter((h) => h.studentId).map((h) => [h.studentId!, h]));
    for (const c of candidates) {
      const nameHit = byUsername.get(c.usernameKey);
      let adoptId: string | null = null;
      if (nameHit && nameHit.rosterSourcedId !== c.sourcedId) {
        if (!c.existing && nameHit.rosterSourcedId === null && !this.adopted.has(nameHit.accountId)) {
          adoptId = nameHit.accountId; // an account made before the roster (e.g. `homeroom accounts add`): link it
        } else {
          const username = String(c.values[0]);
          if (nameHit.rosterSourcedId) this.reject('users', map, c.line, c.sourcedId, 'username', 'usernameTakenBy', { username, holder: nameHit.rosterSourcedId });
          else this.reject('users', map, c.line, c.sourcedId, 'username', 'usernameTaken', { username });
          this.rejectUser(c.sourcedId, c.role, c.schools);
          continue;
        }
      }
      const numberHit = c.studentNumber ? byStudentId.get(c.studentNumber) : undefined;
      if (numberHit && numberHit.rosterSourcedId !== c.sourcedId && numberHit.accountId !== adoptId) {
        const number = c.studentNumber!;
        if (numberHit.rosterSourcedId) this.reject('users', map, c.line, c.sourcedId, null, 'studentNumberTakenBy', { number, holder: numberHit.rosterSourcedId });
        else this.reject('users', map, c.line, c.sourcedId, null, 'studentNumberTaken', { number });
        this.rejectUser(c.sourcedId, c.role, c.schools);
        continue;
      }
      if (adoptId) this.adopted.add(adoptId);
      if (!c.existing) this.newUsers.add(c.sourcedId, 0, 0, true);
      const op = c.existing ? 'update' : adoptId ? 'adopt' : 'create';
      c.accountId = adoptId ?? (c.existing ? null : this.newAccountId());
      out.push([op, c.sourcedId, c.accountId, c.values[0], c.usernameKey, ...c.values.slice(1, 6), ...c.values.slice(6)]);
      this.decideStatus(c, true, op === 'adopt');
    }
  }

  /** Counts the user once and queues a disable or re-enable when the account's state must follow the file. */
  private decideStatus(c: UserOutcome, changed: boolean, adopted = false): void {
    if (!c.existing && !adopted) {
      this.countUser('created', c.role, c.schools);
      return;
    }
    const disabled = (c.flags & USER_DISABLED) !== 0;
    const byRoster = (c.flags & USER_DISABLED_BY_ROSTER) !== 0;
    if (adopted) {
      if (!c.enabled) this.disable.push(own(c.sourcedId));
      this.countUser(c.enabled ? 'updated' : 'disabled', c.role, c.schools);
      return;
    }
    if (c.enabled && disabled && byRoster) {
      this.reenable.push(own(c.sourcedId));
      this.countUser('reenabled', c.role, c.schools);
    } else if (!c.enabled && !disabled) {
      this.disable.push(own(c.sourcedId));
      this.countUser('disabled', c.role, c.schools);
    } else {
      this.countUser(changed ? 'updated' : 'unchanged', c.role, c.schools);
    }
  }

  private async afterUsers(): Promise<void> {
    // roles.csv rows for users that users.csv does not have: named from a second reading of roles.csv (the table
    // does not keep ids), at their first row.
    if (this.roles.unclaimed()) {
      for await (const { map, rows, lines } of this.reread('roles')) {
        for (let i = 0; i < rows.length; i += 1) {
          const user = (pick(map, rows[i]).userSourcedId ?? '').trim();
          if (!this.roles.claimUnclaimed(user)) continue;
          if (this.snapshot.users.find(user) !== -1 && this.modes.users !== 'bulk') continue;
          this.errors.add({ file: 'roles.csv', line: lines[i], sourcedId: user, column: 'userSourcedId', ...issueFields('userMissing', { user }) });
        }
      }
    }
    await this.roles.release();
    this.roles = new RolesTable();
    await this.fileUsernames.release();
    await this.fileStudentNumbers.release();
    this.fileUsernames = new KeyIndex();
    this.fileStudentNumbers = new KeyIndex();
    if (this.modes.users !== 'bulk' || this.incomplete.has('users')) return;
    // Bulk: every active roster account the file no longer lists is disabled.
    const absent: string[] = [];
    const users = this.snapshot.users;
    // Only their ids are missing from the table: read back from the database when there are any.
    if (users.countAbsent()) {
      for await (const ids of this.store.rosterUserIds()) for (const id of ids) if (users.isAbsent(users.find(id))) absent.push(id);
    }
    this.absentUsers = absent;
    for (const id of absent) this.disable.push(id);
  }

  /** The stored users, being read by the sink's thread since the start (see ChangeSink.loadUsers). */
  private storedUsers: Promise<StoredUsers> | null = null;
  /** The stored enrollments, being read by the sink's thread since the start (see ChangeSink.loadEnrollments). */
  private storedEnrollments: Promise<KeyIndex> | null = null;

  /** Absent users, counted by role and school once their links are loaded (see countAbsent). */
  absentUsers: string[] = [];

  // ---- enrollments ---------------------------------------------------------------------------------------------

  private userState(id: string): 'ok' | 'rejected' | 'skipped' | 'missing' {
    if (this.rejected.users.has(id)) return 'rejected';
    if (this.skippedUsers.find(id) >= 0) return 'skipped';
    // Stored users first: a nightly file's users are nearly all stored ones (and new users never are).
    const users = this.snapshot.users;
    const stored = users.find(id);
    if (stored === -1) return this.newUsers.find(id) >= 0 ? 'ok' : 'missing';
    if (users.flagsAt(stored) & USER_SEEN) return 'ok';
    return this.modes.users === 'bulk' && !this.incomplete.has('users') ? 'missing' : 'ok';
  }

  /** Classes a bulk classes.csv no longer lists (see settleClasses). */
  private removedClasses: string[] = [];
  /** Each class's state for enrollments (a CLASS_STATES position), once classes.csv is read (see settleClasses). */
  private classStates = new IdTable();

  /**
   * Once classes.csv is read: the classes it removes, and each class's state as enrollments will ask it (see
   * classState), in one compact table (IdTable) instead of the two Maps of ids, the file's and the database's, that
   * then go. At a million students (320,000 classes) the Maps held about 45 MB of the heap through users.csv and
   * enrollments.csv, which the garbage collector walked again and again.
   */
  private settleClasses(): void {
    this.removedClasses = this.absent('classes', this.snapshot.classes, () => true);
    const states = new IdTable(this.fileRows.classes.size + this.snapshot.classes.size);
    const put = (id: string, state: string) => {
      if (states.find(id) === -1) states.add(id, (CLASS_STATES as readonly string[]).indexOf(state), 0);
    };
    for (const [id, status] of this.fileRows.classes) put(id, status);
    for (const id of this.rejected.classes) put(id, 'rejected');
    for (const id of this.snapshot.classes.keys()) {
      const state = this.exists('classes', id);
      if (state !== 'missing') put(id, state);
    }
    this.classStates = states;
    this.fileRows.classes.clear();
    this.rejected.classes.clear();
    this.snapshot.classes.clear();
  }

  /**
   * The state of a class an enrollment names: its status in this file ('active' or 'tobedeleted'), else 'rejected',
   * else what exists() said of the stored class ('ok', 'tobedeleted' or 'missing'); see usableClass.
   */
  private classState(id: string): string {
    const handle = this.classStates.find(id);
    return handle === -1 ? 'missing' : CLASS_STATES[this.classStates.valueAt(handle)];
  }

  /**
   * Enrollments, the biggest file by far (eight rows a student). With nothing stored, or stored rows that only a full
   * index can match (see RosterSnapshot.enrollmentsNeedFullIndex), each row is decided against an index of every
   * stored row. Otherwise a first reading sums up each stored user's rows (see enrollment-digest.ts): a user whose
   * rows are exactly its stored ones (on a nightly file, nearly everyone) is settled by its digest, and only the other
   * users' rows are decided one by one, in a second reading, against an index of just their stored rows. Memory then
   * grows with what changed, not with the district: at a million students, the full index alone took about 200 MB.
   *
   * One difference with the full index: a sourcedId listed under two users, one of whom the digest settled, is
   * reported on the other user's line even when that line comes first (the settled row is the one kept).
   */
  private async readEnrollments(): Promise<void> {
    if (this.modes.enrollments === 'absent') return;
    const snapshot = this.snapshot;
    if (!snapshot.enrollmentCount || snapshot.enrollmentsNeedFullIndex || !snapshot.users.enrollments.loaded) {
      await this.decideEnrollments(this.read('enrollments', { texts: true }), { full: true });
      return;
    }
    const digests = await this.digestEnrollments();
    const users = snapshot.users;
    const bulk = this.modes.enrollments === 'bulk' && !this.incomplete.has('enrollments');
    let unchanged = 0;
    let flaggedUsers = 0;
    let flaggedRows = 0;
    for (let handle = 0; handle < users.entries; handle += 1) {
      const count = digests.count[handle];
      if (!digests.flagged[handle]) {
        const stored = users.enrollmentCountAt(handle);
        if (count === 0 && stored === 0) continue;
        if (users.enrollmentsMatch(handle, count, digests.sum[handle], digests.mix[handle])) {
          unchanged += count;
          continue;
        }
        // A delta file that does not mention a user leaves its enrollments as they are.
        if (count === 0 && !bulk) continue;
        digests.flagged[handle] = 1;
      }
      flaggedUsers += 1;
      flaggedRows += users.enrollmentCountAt(handle);
    }
    const orphans = bulk ? users.enrollments.orphans : [];
    if (!flaggedUsers && !this.deferredEnrollments && !orphans.length) {
      this.summary.entities.enrollments.unchanged += unchanged;
      return;
    }
    this.options.progress.phase('deciding changed enrollments');
    if (flaggedRows > snapshot.enrollmentCount / 4) {
      // Most users changed (a new export layout, say): an index of every stored row costs less than finding them.
      await this.decideEnrollments(this.reread('enrollments', { texts: true }), { full: true });
      return;
    }
    this.summary.entities.enrollments.unchanged += unchanged;
    // The users whose stored rows are decided one by one: flagged ones, and (never seen in practice) those the table
    // keeps apart (see IdTable) and the orphans a bulk file removes. Their ids are not kept in memory: read back.
    const owners = [...orphans];
    for await (const ids of this.store.rosterUserIds()) {
      for (const id of ids) {
        const handle = users.find(id);
        if (handle >= 0 ? digests.flagged[handle] === 1 : handle !== -1) owners.push(id);
      }
    }
    const index = new KeyIndex(Math.ceil(flaggedRows * 1.1) + this.deferredEnrollments + 1024);
    await this.store.loadEnrollmentsOf(owners, index);
    await this.decideEnrollments(this.reread('enrollments', { texts: true }), { full: false, index, digests });
  }

  /** Rows of users that are not stored (new users, users that are not accounts, unknown ones), left to decideEnrollments. */
  private deferredEnrollments = 0;

  /** The first reading of enrollments.csv when users' rows can be settled by digest (see readEnrollments). */
  private async digestEnrollments(): Promise<FileDigests> {
    const users = this.snapshot.users;
    const digests = new FileDigests(users.entries);
    let columns: EnrollmentColumns | null = null;
    let lastUserId: string | null = null;
    let handle = -1;
    let userOk = false;
    for await (const { map, rows, texts } of this.read('enrollments', { texts: true })) {
      columns ??= enrollmentColumns(map, false);
      const line = columns.line;
      for (let i = 0; i < rows.length; i += 1) {
        takeEnrollment(columns, texts?.[i] ?? null, rows[i]);
        if (line.userId !== lastUserId) {
          lastUserId = line.userId;
          handle = users.find(line.userId);
          userOk = this.userState(line.userId) === 'ok';
        }
        if (handle < 0) {
          this.deferredEnrollments += 1;
          continue;
        }
        const classId = line.classId;
        const classState = this.classState(classId);
        if (!line.id || !userOk || !usableClass(classState)) digests.flagged[handle] = 1;
        else digests.add(handle, line.hash);
      }
    }
    return digests;
  }

  /**
   * Decides enrollments row by row against an index of stored rows: every stored row (`full`, loaded here), or only
   * those of the users flagged in `digests`, whose rows alone are then decided (the others were settled by digest).
   *
   * A first load (nothing stored, and a sink to write to) keeps no index of the rows it creates, only of the few it
   * rejects or skips: each row is loaded with its line as its id, and the sink finds the sourcedIds loaded twice once
   * the file is read (see ChangeSink.finishEnrollmentLoad); the later lines are then rejected and deleted. At a
   * million students that index took about 130 MB, and looking every row up in it most of this thread's time.
   * One difference: a row rejected for another reason (its user, say) after a loaded row with the same sourcedId keeps
   * that reason instead of duplicateId.
   */
  private async decideEnrollments(
    batches: AsyncIterable<{ map: ColumnMap; rows: string[][]; lines: number[]; texts: (string | null)[] | null }>,
    scope: { full: true } | { full: false; index: KeyIndex; digests: FileDigests },
  ): Promise<void> {
    const counts = this.summary.entities.enrollments;
    let index: KeyIndex;
    let loaded = true;
    const sink = this.options.sink;
    const loading = scope.full && this.snapshot.enrollmentCount === 0 && Boolean(sink);
    if (loading) {
      index = new KeyIndex(1024, 0, { payload: false });
    } else if (scope.full) {
      // With nothing stored (a dry run's first load), the index only tells the file's duplicate ids apart: keys alone.
      const stored = this.snapshot.enrollmentCount;
      index = this.storedEnrollments ? await this.storedEnrollments : new KeyIndex(Math.ceil(stored * 1.1) + 1024, 0, { payload: stored > 0 });
      loaded = this.storedEnrollments !== null;
      this.storedEnrollments = null;
    } else {
      index = scope.index;
    }
    // Stored rows are loaded once the index is sized for the file too (growing it would rehash every key).
    const load = async () => {
      if (!loaded && this.snapshot.enrollmentCount) await this.store.loadEnrollments(index);
      loaded = true;
    };
    const users = this.snapshot.users;
    const digests = scope.full ? null : scope.digests;
    const inserts = loading ? this.queues.enrollmentLoads : this.queues.enrollmentInserts;
    const updates = this.queues.enrollmentUpdates;
    const deletes: number[] = [];
    // A first load picks every field a row needs where it hashes the line (slots 3 to 8 of line.picked): each row is
    // new, and splitting it costs more.
    const pickAll = this.snapshot.enrollmentCount === 0;
    let columns: EnrollmentColumns | null = null;
    let lastUserId: string | null = null;
    let lastUserState: ReturnType<Planner['userState']> = 'missing';
    let lastHandle = -1;
    let lastMap: ColumnMap | null = null;
    for await (const { map, rows, lines, texts } of batches) {
      lastMap = map;
      if (!columns) {
        columns = enrollmentColumns(map, pickAll);
        if (!loaded) {
          // Size the index once rather than growing it several times (each time copies every entry). With stored rows
          // it has room for them and a tenth more already: a nightly file mostly repeats them, and the estimate (from
          // the first rows' length) can be a few per cent high. (Unknown size: it grows as needed.)
          const estimate = this.estimates.enrollments ?? 0;
          if (estimate > this.snapshot.enrollmentCount * 1.5) index.reserve(estimate * 1.05);
          await load();
        }
      }
      const { f, line } = columns;
      // Which rows to decide: all, or those of users the digests did not settle.
      let chosen: number[] | null = null;
      if (digests) {
        chosen = [];
        for (let i = 0; i < rows.length; i += 1) {
          const userId = fieldAt(texts?.[i] ?? null, rows[i], f.user);
          if (userId !== lastUserId) {
            lastUserId = userId;
            lastHandle = users.find(userId);
          }
          if (lastHandle < 0 || digests.flagged[lastHandle]) chosen.push(i);
        }
        lastUserId = null;
        await this.findMovedEnrollments(columns, index, digests, chosen, rows, texts);
      }
      const n = chosen ? chosen.length : rows.length;
      for (let k = 0; k < n; k += 1) {
        const i = chosen ? chosen[k] : k;
        const text = texts?.[i] ?? null;
        let row: string[] | null = text === null ? rows[i] : null;
        // The raw values decide "unchanged" (an identical row was valid when it was stored): no split needed.
        takeEnrollment(columns, text, rows[i]);
        const { hash, id, userId, classId, picked } = line;
        const slot = id ? index.find(id) : -1;
        if (slot >= 0 && index.seenAt(slot)) {
          this.reject('enrollments', map, lines[i], id, 'sourcedId', 'duplicateId');
          counts.rejected += 1;
          continue;
        }
        // References first: an unchanged row whose user left is not unchanged. (A user's rows tend to come together.)
        if (userId !== lastUserId) {
          lastUserId = userId;
          lastUserState = this.userState(userId);
        }
        const user = lastUserState;
        if (user === 'skipped') {
          if (slot >= 0) index.markSeen(slot);
          else if (id) index.add(id, hash, 0, true);
          counts.skipped += 1;
          continue;
        }
        const classState = this.classState(classId);
        if (slot >= 0 && index.contentAt(slot) === hash && user === 'ok' && usableClass(classState)) {
          index.markSeen(slot);
          counts.unchanged += 1;
          continue;
        }
        let r: EnrollmentRecord | null =
          text !== null && pickAll ? fastEnrollment(picked[0], picked[3], picked[2], picked[4], picked[1], picked[5], picked[6], picked[7], picked[8]) : null;
        if (!r) {
          row ??= text!.split(',');
          r =
            fastEnrollment(at(row, f.id), at(row, f.status), at(row, f.cls), at(row, f.school), at(row, f.user), at(row, f.role), at(row, f.primary), at(row, f.begin), at(row, f.end)) ??
            this.parse(enrollmentRow, 'enrollments', map, row, lines[i]);
        }
        if (!r) {
          if (slot >= 0) index.markSeen(slot); // kept as it is, not deleted
          counts.rejected += 1;
          continue;
        }
        if (r.status === 'tobedeleted') {
          if (slot >= 0) {
            index.markSeen(slot);
            deletes.push(index.rowIdAt(slot));
            counts.removed += 1;
          } else {
            index.add(id, hash, 0, true);
            counts.unchanged += 1;
          }
          continue;
        }
        let problem: [string, IssueMessage] | null = null;
        if (user !== 'ok') problem = ['userSourcedId', { code: user === 'missing' ? 'userMissing' : 'userRejected', params: { user: userId } }];
        else if (!usableClass(classState)) {
          problem = ['classSourcedId', { code: classState === 'missing' ? 'classMissing' : classState === 'rejected' ? 'classRejected' : 'classDeleted', params: { class: classId } }];
        }
        if (problem) {
          this.reject('enrollments', map, lines[i], id, problem[0], problem[1].code, problem[1].params);
          if (slot >= 0) index.markSeen(slot);
          else index.add(id, hash, 0, true);
          counts.rejected += 1;
          continue;
        }
        if (r.schoolSourcedId && this.exists('orgs', r.schoolSourcedId) === 'missing') {
          this.warn('enrollments', map, lines[i], id, 'schoolSourcedId', 'orgMissing', { org: r.schoolSourcedId });
        }
        // The index last hashed this row's id (find above; a valid row has one): its halves are stored with the row.
        const values = [r.sourcedId, r.classSourcedId, r.userSourcedId, r.schoolSourcedId, r.role, r.primary ? 1 : 0, r.beginDate, r.endDate, hash, index.lastHi, index.lastLo];
        if (slot >= 0) {
          index.markSeen(slot);
          updates.push([...values, index.rowIdAt(slot)]);
          counts.updated += 1;
        } else if (loading) {
          inserts.push([lines[i], ...values]);
          counts.created += 1;
        } else {
          index.add(id, hash, 0, true);
          inserts.push(values);
          counts.created += 1;
        }
      }
      await this.flush();
    }
    await load();
    if (loading && lastMap) {
      for (const { line, sourcedId } of await sink!.finishEnrollmentLoad()) {
        this.reject('enrollments', lastMap, line, sourcedId, 'sourcedId', 'duplicateId');
        counts.created -= 1;
        counts.rejected += 1;
        deletes.push(line);
      }
    }
    if (this.modes.enrollments === 'bulk' && !this.incomplete.has('enrollments')) {
      const absent = index.unseenRowIds();
      counts.removed += absent.length;
      for (const rowId of absent) deletes.push(rowId);
    }
    this.enrollmentDeletes = deletes;
    await index.release();
  }

  /**
   * Before a batch's chosen rows are decided against an index of only some users' stored rows: finds the stored rows
   * of the other sourcedIds they list, which belong to other users. A row the digests settled (its user's file rows
   * are its stored rows) is taken: listing it again is a duplicate. Any other is free: the row moved to this user.
   */
  private async findMovedEnrollments(
    columns: EnrollmentColumns,
    index: KeyIndex,
    digests: FileDigests,
    chosen: number[],
    rows: string[][],
    texts: (string | null)[] | null,
  ): Promise<void> {
    const wanted = new Set<string>();
    const his: number[] = [];
    for (const i of chosen) {
      const id = fieldAt(texts?.[i] ?? null, rows[i], columns.f.id);
      if (!id || index.find(id) >= 0) continue;
      wanted.add(`${index.lastHi},${index.lastLo}`);
      his.push(index.lastHi);
    }
    if (!his.length) return;
    const users = this.snapshot.users;
    for (const stored of await this.store.findEnrollmentKeys(his)) {
      if (!wanted.has(`${stored.hi},${stored.lo}`)) continue;
      const owner = users.find(stored.userId);
      const settled = owner >= 0 && !digests.flagged[owner] && digests.count[owner] > 0;
      index.addHashed(stored.hi, stored.lo, stored.hash, stored.rowId, settled);
    }
  }

  /** Counts users disabled for being absent, by role and school, from their stored links. */
  async countAbsent(): Promise<void> {
    if (!this.absentUsers.length) return;
    const links = await this.store.userLinks(this.absentUsers);
    for (const link of links) this.countUser('disabled', link.role, this.countedSchools(link.orgIds ? link.orgIds.split(',') : []));
    this.absentUsers = [];
  }
}

const joinList = (items: string[]) => (items.length ? items.join(',') : null);

/** A class an enrollment may name: in this file and active, or usable as exists() says. */
const usableClass = (state: string) => state === 'ok' || state === 'active';
/** The states of a class that Planner.classState() tells apart, by their position in the class table. */
const CLASS_STATES = ['active', 'tobedeleted', 'rejected', 'ok'] as const;

/** A row's field at a column position ('' when the column is missing or the row is short). */
const at = (row: string[], position: number) => (position >= 0 && position < row.length ? row[position] : '');

/** Where an enrollments file's columns are, what its line hashes are seeded with, and the row last taken. */
interface EnrollmentColumns {
  f: { id: number; status: number; cls: number; school: number; user: number; role: number; primary: number; begin: number; end: number };
  /** The columns that make a row changed: the nine Homeroom stores (not dateLastModified, not extension columns). */
  known: Uint8Array;
  /** Stands for the order of those columns (by canonical name): extension columns may come and go. */
  seed: number;
  /** Where the id, user and class columns are (and with pickAll, the six others), as slots of `line.picked`. */
  wanted: Int8Array;
  /** The row last taken (see takeEnrollment), its fields trimmed. */
  line: { hash: number; id: string; userId: string; classId: string; picked: string[] };
}

function enrollmentColumns(map: ColumnMap, pickAll: boolean): EnrollmentColumns {
  const ix = map.index;
  const f = {
    id: ix.sourcedId, status: ix.status, cls: ix.classSourcedId, school: ix.schoolSourcedId, user: ix.userSourcedId, role: ix.role,
    primary: ix.primary, begin: ix.beginDate, end: ix.endDate,
  };
  const known = new Uint8Array(map.header.length);
  for (const position of Object.values(f)) if (position >= 0) known[position] = 1;
  const seed = hash32(
    Object.entries(ix)
      .filter(([, position]) => position >= 0 && known[position])
      .sort((a, b) => a[1] - b[1])
      .map(([name]) => name)
      .join(','),
  );
  const wanted = new Int8Array(map.header.length).fill(-1);
  const pickedFields = pickAll ? [f.id, f.user, f.cls, f.status, f.school, f.role, f.primary, f.begin, f.end] : [f.id, f.user, f.cls];
  for (const [slot, position] of pickedFields.entries()) if (position >= 0) wanted[position] = slot;
  return { f, known, seed, wanted, line: { hash: 0, id: '', userId: '', classId: '', picked: new Array<string>(pickedFields.length).fill('') } };
}

/** Hashes a row (from its text when it has one: no split) and takes its id, user and class into `columns.line`. */
function takeEnrollment(columns: EnrollmentColumns, text: string | null, row: string[]): void {
  const { line, f } = columns;
  if (text !== null) {
    line.picked.fill('');
    line.hash = lineHash(text, columns.known, columns.seed, columns.wanted, line.picked);
    line.id = line.picked[0].trim();
    line.userId = line.picked[1].trim();
    line.classId = line.picked[2].trim();
  } else {
    line.hash = fieldsHash(row, columns.known, columns.seed);
    line.id = at(row, f.id).trim();
    line.userId = at(row, f.user).trim();
    line.classId = at(row, f.cls).trim();
  }
}

/**
 * A row's field at a column position, trimmed, as takeEnrollment takes it but without hashing the line: the second
 * reading of a re-import needs only each row's user, to tell the rows of users whose digests differ (a nightly file's
 * few) from the others, and those rows' ids, to find the ones that moved; it hashes just the rows it then decides.
 */
function fieldAt(text: string | null, row: string[], position: number): string {
  if (text === null) return at(row, position).trim();
  if (position < 0) return '';
  let start = 0;
  for (let column = 0; column < position; column += 1) {
    const comma = text.indexOf(',', start);
    if (comma === -1) return '';
    start = comma + 1;
  }
  const end = text.indexOf(',', start);
  return text.slice(start, end === -1 ? text.length : end).trim();
}

/** How a reference to an org that cannot be used is reported, by the org's state. */
const ORG_PROBLEMS: Record<'missing' | 'rejected' | 'tobedeleted', IssueCode> = { missing: 'orgMissing', rejected: 'orgRejected', tobedeleted: 'orgDeleted' };

/** A users row (USER_COLUMNS) that only records an unchanged user's new line hash. */
function lineOnly(sourcedId: string, lineHash: number): Row {
  const row: Row = new Array<string | number | null>(USER_COLUMNS.length).fill(null);
  row[0] = 'line';
  row[1] = sourcedId;
  row[USER_COLUMNS.length - 1] = lineHash;
  return row;
}

/** undefined: not a OneRoster role; null: a role that is not an account. */
function mapOneRosterRole(role: string): RosterRole | null | undefined {
  const known = ONE_ROSTER_ROLE_BY_LOWER.get(role.trim().toLowerCase());
  return known === undefined ? undefined : mapRole(known);
}

const ONE_ROSTER_ROLE_BY_LOWER = new Map(
  (
    ['administrator', 'aide', 'guardian', 'parent', 'proctor', 'relative', 'student', 'teacher', 'districtAdministrator', 'siteAdministrator', 'systemAdministrator', 'principal'] as const
  ).map((r) => [r.toLowerCase(), r]),
);

export { ROSTER_ROLES };
export type { AccountCounts, EntityCounts };
