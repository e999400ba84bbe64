import { sessionSignIns } from '../../oidc/session-payload.js';
import { ROSTER_ROLES } from '../accounts-mapping.js';
import { orderedIds } from '../ordered-id.js';
import { ENROLLMENT_COLUMNS, USER_COLUMNS, type EntityFile } from '../written-tables.js';
import type { ApplyResult, FinishPlan, LoadedDuplicate, Row, WriterContext } from '../ports.js';
import type { Progress } from '../progress.js';
import type { BulkOps } from './bulk-ops.js';

export interface ApplyContext extends WriterContext {
  progress: Progress;
}

export const ENTITY_COLUMNS: Record<EntityFile, readonly string[]> = {
  orgs: ['id', 'name', 'type', 'identifier', 'parent_id', 'status', 'row_hash'],
  academicSessions: ['sourced_id', 'title', 'type', 'start_date', 'end_date', 'parent_id', 'school_year', 'status', 'row_hash'],
  courses: ['sourced_id', 'title', 'course_code', 'org_id', 'school_year_id', 'grades', 'subjects', 'status', 'row_hash'],
  classes: ['sourced_id', 'title', 'class_code', 'class_type', 'location', 'school_id', 'course_id', 'term_ids', 'grades', 'subjects', 'periods', 'status', 'row_hash'],
};
export const ENTITY_TABLES: Record<EntityFile, string> = {
  orgs: 'schools',
  academicSessions: 'roster_sessions',
  courses: 'roster_courses',
  classes: 'roster_classes',
};

const AUDIT_COLUMNS = ['id', 'at', 'type', 'actor_id', 'subject_id', 'ip', 'data'] as const;
const ACCOUNT_COLUMNS = [
  'id',
  'username',
  'username_key',
  'given_name',
  'family_name',
  'email',
  'student_id',
  'grade',
  'status',
  'claimable_at',
  'first_seen_at',
  'created_at',
  'updated_at',
] as const;
const ROSTER_USER_COLUMNS = [
  'sourced_id',
  'account_id',
  'role',
  'identifier',
  'user_ids',
  'org_ids',
  'grades',
  'enabled',
  'disabled_by_roster',
  'row_hash',
  'line_hash',
  'updated_at',
] as const;
/**
 * A load that adds more rows than a table holds, and at least this many, goes into the table without its secondary
 * indexes, which are built once at the end by sorting: several times faster than growing them row by row.
 */
const REBUILD_INDEXES_ABOVE = 20_000;
/** Tables written when users are created, whose secondary indexes a first load rebuilds. */
const USER_TABLES = ['accounts', 'account_roles', 'account_schools', 'audit_events'] as const;

const LOADED_ENROLLMENT_COLUMNS = ['id', ...ENROLLMENT_COLUMNS];
/** The index of enrollments by key hash (migration 011), through which a first load's repeated sourcedIds are found. */
const ENROLLMENT_KEY_INDEX = 'roster_enrollments_key';

const U = Object.fromEntries(USER_COLUMNS.map((c, i) => [c, i])) as Record<(typeof USER_COLUMNS)[number], number>;

/**
 * Writes an import's changes as the planner decides them, inside the one transaction that `importRoster` commits
 * only when the whole set is valid and allowed (and rolls back otherwise): if the process dies at any point, the
 * database keeps the previous roster. Per-account audit events are written here in bulk, in the same transaction,
 * rather than through the event bus one by one: a first import creates hundreds of thousands.
 */
export class RosterWriter {
  readonly result: ApplyResult = { accountsCreated: 0, accountsDisabled: 0, accountsReenabled: 0, sessionsRevoked: 0, logoutNotices: 0 };
  /** CREATE INDEX statements of the indexes dropped for a large load, run again by finish(). */
  private readonly rebuild: string[] = [];
  private readonly considered = new Set<string>();
  private readonly auditIds = orderedIds();

  constructor(
    private readonly ops: BulkOps,
    private readonly ctx: ApplyContext,
  ) {}

  private audit(type: string, subjectId: string, data: Record<string, unknown>): Row {
    return [this.auditIds(), this.ctx.now, type, null, subjectId, null, JSON.stringify(data)];
  }

  /** Loads announced (expectUsers, expectEnrollments), prepared at the first write that follows. */
  private readonly announced: { tables: readonly string[]; rows: number }[] = [];

  /**
   * Drops the secondary indexes of `tables` that this load would more than double (a first import), to build them
   * once at the end.
   */
  private async prepare(): Promise<void> {
    for (const { tables, rows } of this.announced.splice(0)) {
      if (rows < REBUILD_INDEXES_ABOVE) continue;
      for (const table of tables) {
        if (this.considered.has(table)) continue;
        this.considered.add(table);
        if ((await this.ops.count(table)) * 2 >= rows) continue;
        this.rebuild.push(...(await this.ops.dropSecondaryIndexes(table)));
      }
    }
  }

  /** Announces users.csv's size (about), before its first rows: nothing is written until a row changes. */
  async expectUsers(rows: number): Promise<void> {
    this.announced.push({ tables: USER_TABLES, rows });
  }

  async expectEnrollments(rows: number): Promise<void> {
    // Even a writer in a thread of its own does better to build them at the end: it is the slower of the two threads
    // during a first load, and one build at the end costs it less than maintaining the class index row by row.
    this.announced.push({ tables: ['roster_enrollments'], rows });
  }

  async entities(file: EntityFile, batch: Row[]): Promise<void> {
    if (!batch.length) return;
    const { now } = this.ctx;
    const key = file === 'orgs' ? 'id' : 'sourced_id';
    const columns = file === 'orgs' ? [...ENTITY_COLUMNS.orgs, 'updated_at'] : ENTITY_COLUMNS[file];
    const update = columns.filter((c) => c !== key);
    if (file === 'orgs') for (const row of batch) row.push(now);
    await this.ops.upsert(ENTITY_TABLES[file], columns, [key], update, batch);
  }

  /**
   * New and changed users (rows in USER_COLUMNS order), in file order; op 'line' rows only record an unchanged user's
   * new line hash.
   */
  async users(batch: Row[]): Promise<void> {
    if (!batch.length) return;
    await this.prepare();
    const { ops } = this;
    const lines = batch.filter((row) => row[U.op] === 'line');
    if (lines.length) {
      await ops.updateByKey(
        'roster_users',
        ['sourced_id'],
        ['line_hash'],
        lines.map((r) => [r[U.line_hash], r[U.sourced_id]]),
      );
      batch = batch.filter((row) => row[U.op] !== 'line');
    }
    const { now } = this.ctx;
    const existing = batch.filter((row) => row[U.op] === 'update').map((row) => row[U.sourced_id] as string);
    if (existing.length) {
      const links = await ops.selectIn('roster_users', ['sourced_id', 'account_id'], 'sourced_id', existing);
      const ids = new Map(links.map((l) => [l.sourced_id as string, l.account_id as string]));
      for (const row of batch) if (row[U.op] === 'update') row[U.account_id] = ids.get(row[U.sourced_id] as string) ?? null;
    }
    const rows = batch.filter((row) => row[U.account_id]);
    const creates = rows.filter((row) => row[U.op] === 'create');
    const changes = rows.filter((row) => row[U.op] !== 'create');
    const claimableAt = now + this.ctx.claimDelay * 1000;
    await ops.insert(
      'accounts',
      ACCOUNT_COLUMNS,
      creates.map((r) => [
        r[U.account_id],
        r[U.username],
        r[U.username_key],
        r[U.given_name],
        r[U.family_name],
        r[U.email],
        r[U.student_id],
        r[U.grade],
        r[U.enabled] === 1 ? 'active' : 'disabled',
        claimableAt,
        now,
        now,
        now,
      ]),
    );
    await ops.updateByKey(
      'accounts',
      ['id'],
      ['username', 'username_key', 'given_name', 'family_name', 'email', 'student_id', 'grade', 'updated_at'],
      changes.map((r) => [r[U.username], r[U.username_key], r[U.given_name], r[U.family_name], r[U.email], r[U.student_id], r[U.grade], now, r[U.account_id]]),
    );
    const adopted = changes.filter((r) => r[U.op] === 'adopt').map((r) => r[U.account_id] as string);
    if (adopted.length) await ops.updateIn('accounts', { first_seen_at: now }, 'id', adopted);
    await ops.upsert(
      'roster_users',
      ROSTER_USER_COLUMNS,
      ['sourced_id'],
      ['role', 'identifier', 'user_ids', 'org_ids', 'grades', 'enabled', 'row_hash', 'line_hash', 'updated_at'],
      rows.map((r) => {
        const enabled = r[U.enabled] === 1 ? 1 : 0;
        return [
          r[U.sourced_id],
          r[U.account_id],
          r[U.role],
          r[U.identifier],
          r[U.user_ids],
          r[U.org_ids] ?? '',
          r[U.grades],
          enabled,
          r[U.op] === 'create' && !enabled ? 1 : 0,
          r[U.row_hash],
          r[U.line_hash] || null,
          now,
        ];
      }),
    );
    const changedIds = changes.map((r) => r[U.account_id] as string);
    if (changedIds.length) {
      await ops.deleteIn('account_roles', 'account_id', changedIds, { column: 'role', values: ROSTER_ROLES });
      await ops.deleteIn('account_schools', 'account_id', changedIds);
    }
    const roleRows: Row[] = [];
    const schoolRows: Row[] = [];
    for (const r of rows) {
      for (const role of String(r[U.roles] ?? '').split(',')) if (role) roleRows.push([r[U.account_id], role]);
      for (const school of String(r[U.schools] ?? '').split(',')) if (school) schoolRows.push([r[U.account_id], school]);
    }
    // ON CONFLICT: an adopted account may already hold one of these roles or schools.
    await ops.upsert('account_roles', ['account_id', 'role'], ['account_id', 'role'], [], roleRows);
    await ops.upsert('account_schools', ['account_id', 'school_id'], ['account_id', 'school_id'], [], schoolRows);
    await ops.insert(
      'audit_events',
      AUDIT_COLUMNS,
      creates.map((r) => this.audit('account.created', r[U.account_id] as string, { via: 'roster', run: this.ctx.runId, sourcedId: r[U.sourced_id], role: r[U.role] })),
    );
    this.result.accountsCreated += creates.length;
  }

  async enrollmentInserts(batch: Row[]): Promise<void> {
    if (!batch.length) return;
    await this.prepare();
    await this.ops.insert('roster_enrollments', ENROLLMENT_COLUMNS, batch);
  }

  /** A first load's rows, as [file line, ...ENROLLMENT_COLUMNS values] (see ChangeSink.enrollmentLoads). */
  async enrollmentLoads(batch: Row[]): Promise<void> {
    if (!batch.length) return;
    await this.prepare();
    await this.ops.insert('roster_enrollments', LOADED_ENROLLMENT_COLUMNS, batch);
  }

  /** Finds a first load's repeated sourcedIds through the key index, which a load that dropped it builds now. */
  async finishEnrollmentLoad(): Promise<LoadedDuplicate[]> {
    const key = this.rebuild.findIndex((statement) => statement.includes(`"${ENROLLMENT_KEY_INDEX}"`));
    if (key >= 0) await this.ops.buildIndexes(this.rebuild.splice(key, 1));
    return this.ops.endEnrollmentLoad();
  }

  /** Rows as [...ENROLLMENT_COLUMNS values, stored row id]. */
  async enrollmentUpdates(batch: Row[]): Promise<void> {
    if (!batch.length) return;
    await this.prepare();
    const updateColumns = ENROLLMENT_COLUMNS.filter((c) => c !== 'sourced_id');
    // Matched on (id, sourced_id) so a key-hash collision can never update another row.
    const missed = await this.ops.updateByKey(
      'roster_enrollments',
      ['id', 'sourced_id'],
      updateColumns,
      batch.map((r) => [...r.slice(1, ENROLLMENT_COLUMNS.length), r[ENROLLMENT_COLUMNS.length], r[0]]),
    );
    if (missed.length) {
      await this.ops.insert(
        'roster_enrollments',
        ENROLLMENT_COLUMNS,
        missed.map((r) => [r[r.length - 1], ...r.slice(0, updateColumns.length)]),
      );
    }
  }

  /** Disables or re-enables the accounts of roster users (by sourcedId), audited; returns the account ids. */
  private async setActive(sourcedIds: string[], active: boolean): Promise<string[]> {
    const { ops } = this;
    const links = await ops.selectIn('roster_users', ['sourced_id', 'account_id'], 'sourced_id', sourcedIds);
    const ids = links.map((l) => l.account_id as string);
    await ops.updateIn('accounts', { status: active ? 'active' : 'disabled', updated_at: this.ctx.now }, 'id', ids);
    await ops.updateIn('roster_users', { disabled_by_roster: active ? 0 : 1 }, 'sourced_id', sourcedIds);
    const type = active ? 'account.reenabled' : 'account.disabled';
    await ops.insert(
      'audit_events',
      AUDIT_COLUMNS,
      links.map((l) => this.audit(type, l.account_id as string, { via: 'roster', run: this.ctx.runId, sourcedId: l.sourced_id })),
    );
    return ids;
  }

  /** What can only be decided once every file is read: removals, leaving and returning users, index rebuilds. */
  async finish(plan: FinishPlan): Promise<ApplyResult> {
    const { ops, result } = this;
    const { now, progress } = this.ctx;
    for (const file of ['classes', 'courses', 'academicSessions', 'orgs'] as const) {
      const removed = plan.removed[file];
      if (!removed.length) continue;
      if (file === 'orgs') await ops.updateIn('schools', { status: 'tobedeleted', updated_at: now }, 'id', removed);
      else await ops.deleteIn(ENTITY_TABLES[file], 'sourced_id', removed);
      if (file === 'classes') await ops.deleteIn('roster_enrollments', 'class_id', removed);
    }

    if (plan.disable.length) {
      progress.phase('disabling accounts');
      const ids = await this.setActive(plan.disable, false);
      // The apps the accounts' sessions signed in to are owed a back-channel logout notice: queued in the same
      // transaction, sent by the running server (this may be another process).
      const sessions = await ops.selectIn('oidc_payloads', ['account_id', 'kind', 'payload'], 'account_id', ids);
      const notices: Row[] = [];
      for (const session of sessions) {
        if (session.kind !== 'Session') continue;
        for (const { clientId, sid } of sessionSignIns(session.payload as string)) notices.push([session.account_id as string, clientId, sid, now, now]);
      }
      await ops.upsert('logout_notices', ['account_id', 'client_id', 'sid', 'created_at', 'next_at'], ['account_id', 'client_id', 'sid'], [], notices);
      result.logoutNotices = notices.length;
      // Sessions and tokens end now, in the same transaction: a withdrawn student is signed out everywhere at once.
      result.sessionsRevoked += await ops.deleteIn('oidc_payloads', 'account_id', ids);
      result.sessionsRevoked += await ops.deleteIn('rp_sessions', 'account_sub', ids);
      result.accountsDisabled = ids.length;
    }
    if (plan.reenable.length) {
      progress.phase('re-enabling accounts');
      result.accountsReenabled = (await this.setActive(plan.reenable, true)).length;
    }
    if (plan.enrollmentDeletes.length) await ops.deleteIn('roster_enrollments', 'id', plan.enrollmentDeletes);
    if (this.rebuild.length) {
      progress.phase('indexing');
      await ops.buildIndexes(this.rebuild);
    }
    return result;
  }
}
