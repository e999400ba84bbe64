import { randomUUID } from 'node:crypto';
import { ROSTER_ROLES } from './accounts-mapping.js';
import { ENROLLMENT_COLUMNS, ENTITY_COLUMNS, ENTITY_TABLES, USER_COLUMNS, type ImportPlan } from './plan.js';
import type { BulkOps, Row } from './ports.js';
import type { Progress } from './progress.js';

export interface ApplyContext {
  now: number;
  /** Seconds between first seen and claimable. */
  claimDelay: number;
  runId: string;
  progress: Progress;
}

export interface ApplyResult {
  accountsCreated: number;
  accountsDisabled: number;
  accountsReenabled: number;
  sessionsRevoked: number;
}

const AUDIT_COLUMNS = ['id', 'at', 'type', 'actor_id', 'subject_id', 'ip', 'data'] as const;
/** Above this many new enrollments (and more than are stored), the two secondary indexes are rebuilt after the load. */
const REBUILD_INDEXES_ABOVE = 50_000;

const U = Object.fromEntries(USER_COLUMNS.map((c, i) => [c, i])) as Record<(typeof USER_COLUMNS)[number], number>;

function audit(type: string, at: number, subjectId: string, data: Record<string, unknown>): Row {
  return [randomUUID(), at, type, null, subjectId, null, JSON.stringify(data)];
}

/**
 * Writes a plan. Runs inside one transaction (see SqlRosterStore.transaction): if the process dies at any point,
 * the database keeps the previous roster. Per-account audit events are written here in bulk, in the same
 * transaction, rather than through the event bus one by one: a first import creates hundreds of thousands.
 */
export async function applyPlan(plan: ImportPlan, ops: BulkOps, ctx: ApplyContext): Promise<ApplyResult> {
  const { now, progress } = ctx;
  const result: ApplyResult = { accountsCreated: 0, accountsDisabled: 0, accountsReenabled: 0, sessionsRevoked: 0 };

  // Orgs, academic sessions, courses, classes.
  for (const file of ['orgs', 'academicSessions', 'courses', 'classes'] as const) {
    progress.phase(`applying ${file}`);
    const table = ENTITY_TABLES[file];
    const key = file === 'orgs' ? 'id' : 'sourced_id';
    const columns = file === 'orgs' ? [...ENTITY_COLUMNS.orgs, 'updated_at'] : ENTITY_COLUMNS[file];
    const update = columns.filter((c) => c !== key);
    for (const batch of plan.spool.file(file).batches()) {
      await ops.upsert(table, columns, [key], update, file === 'orgs' ? batch.map((row) => [...row, now]) : batch);
    }
    const removed = plan.removed[file];
    if (!removed.length) continue;
    if (file === 'orgs') await ops.updateIn('schools', { status: 'tobedeleted', updated_at: now }, 'id', removed);
    else await ops.deleteIn(table, 'sourced_id', removed);
    if (file === 'classes') await ops.deleteIn('roster_enrollments', 'class_id', removed);
  }

  // Users → accounts.
  progress.phase('applying users');
  const claimableAt = now + ctx.claimDelay * 1000;
  for (const batch of plan.spool.file('users').batches()) {
    const existing = batch.filter((row) => row[U.op] === 'update').map((row) => row[U.sourced_id] as string);
    if (existing.length) {
      const links = await ops.selectIn('roster_users', ['sourced_id', 'account_id'], 'sourced_id', existing);
      const ids = new Map(links.map((l) => [l.sourced_id as string, l.account_id as string]));
      for (const row of batch) if (row[U.op] === 'update') row[U.account_id] = ids.get(row[U.sourced_id] as string) ?? null;
    }
    const rows = batch.filter((row) => row[U.account_id]);
    const creates = rows.filter((row) => row[U.op] === 'create');
    const changes = rows.filter((row) => row[U.op] !== 'create');
    await ops.insert(
      'accounts',
      ['id', 'username', 'username_key', 'given_name', 'family_name', 'email', 'student_id', 'grade', 'status', 'claimable_at', 'first_seen_at', 'created_at', 'updated_at'],
      creates.map((r) => [
        r[U.account_id], r[U.username], r[U.username_key], r[U.given_name], r[U.family_name], r[U.email], r[U.student_id], r[U.grade],
        r[U.enabled] === '1' ? 'active' : 'disabled', claimableAt, now, now, now,
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
      ['sourced_id', 'account_id', 'role', 'identifier', 'user_ids', 'org_ids', 'grades', 'enabled', 'disabled_by_roster', 'row_hash', 'updated_at'],
      ['sourced_id'],
      ['role', 'identifier', 'user_ids', 'org_ids', 'grades', 'enabled', 'row_hash', 'updated_at'],
      rows.map((r) => [
        r[U.sourced_id], r[U.account_id], r[U.role], r[U.identifier], r[U.user_ids], r[U.org_ids] ?? '', r[U.grades], r[U.enabled],
        r[U.op] === 'create' && r[U.enabled] !== '1' ? 1 : 0, r[U.row_hash], now,
      ]),
    );
    const changedIds = changes.map((r) => r[U.account_id] as string);
    if (changedIds.length) {
      await ops.deleteIn('account_roles', 'account_id', changedIds, { column: 'role', values: ROSTER_ROLES });
      await ops.deleteIn('account_schools', 'account_id', changedIds);
    }
    const roleRows: Row[] = [];
    const schoolRows: Row[] = [];
    for (const r of rows) {
      for (const role of String(r[U.roles] ?? '').split(',').filter(Boolean)) roleRows.push([r[U.account_id], role]);
      for (const school of String(r[U.schools] ?? '').split(',').filter(Boolean)) schoolRows.push([r[U.account_id], school]);
    }
    // ON CONFLICT: an adopted account may already hold one of these roles or schools.
    await ops.upsert('account_roles', ['account_id', 'role'], ['account_id', 'role'], [], roleRows);
    await ops.upsert('account_schools', ['account_id', 'school_id'], ['account_id', 'school_id'], [], schoolRows);
    await ops.insert(
      'audit_events',
      AUDIT_COLUMNS,
      creates.map((r) => audit('account.created', now, r[U.account_id] as string, { via: 'roster', run: ctx.runId, sourcedId: r[U.sourced_id], role: r[U.role] })),
    );
    result.accountsCreated += creates.length;
  }

  // Leaving and returning.
  if (plan.disable.length) {
    progress.phase('disabling accounts');
    const links = await ops.selectIn('roster_users', ['sourced_id', 'account_id'], 'sourced_id', plan.disable);
    const ids = links.map((l) => l.account_id as string);
    await ops.updateIn('accounts', { status: 'disabled', updated_at: now }, 'id', ids);
    await ops.updateIn('roster_users', { disabled_by_roster: 1 }, 'sourced_id', plan.disable);
    // Sessions and tokens end now, in the same transaction: a withdrawn student is signed out everywhere at once.
    result.sessionsRevoked += await ops.deleteIn('oidc_payloads', 'account_id', ids);
    result.sessionsRevoked += await ops.deleteIn('rp_sessions', 'account_sub', ids);
    await ops.insert(
      'audit_events',
      AUDIT_COLUMNS,
      links.map((l) => audit('account.disabled', now, l.account_id as string, { via: 'roster', run: ctx.runId, sourcedId: l.sourced_id })),
    );
    result.accountsDisabled = ids.length;
  }
  if (plan.reenable.length) {
    progress.phase('re-enabling accounts');
    const links = await ops.selectIn('roster_users', ['sourced_id', 'account_id'], 'sourced_id', plan.reenable);
    const ids = links.map((l) => l.account_id as string);
    await ops.updateIn('accounts', { status: 'active', updated_at: now }, 'id', ids);
    await ops.updateIn('roster_users', { disabled_by_roster: 0 }, 'sourced_id', plan.reenable);
    await ops.insert(
      'audit_events',
      AUDIT_COLUMNS,
      links.map((l) => audit('account.reenabled', now, l.account_id as string, { via: 'roster', run: ctx.runId, sourcedId: l.sourced_id })),
    );
    result.accountsReenabled = ids.length;
  }

  // Enrollments.
  progress.phase('applying enrollments');
  if (plan.enrollmentDeletes.length) await ops.deleteIn('roster_enrollments', 'id', plan.enrollmentDeletes);
  const inserts = plan.spool.file('enrollments-new');
  const rebuild = inserts.count > REBUILD_INDEXES_ABOVE && inserts.count > plan.summary.entities.enrollments.unchanged;
  // A first load is faster into a table without its secondary indexes, built once at the end by sorting.
  if (rebuild) await ops.exec('DROP INDEX roster_enrollments_class; DROP INDEX roster_enrollments_user');
  for (const batch of inserts.batches(5000)) await ops.insert('roster_enrollments', ENROLLMENT_COLUMNS, batch);
  if (rebuild) {
    progress.phase('indexing enrollments');
    await ops.exec('CREATE INDEX roster_enrollments_class ON roster_enrollments (class_id, role, user_id)');
    await ops.exec('CREATE INDEX roster_enrollments_user ON roster_enrollments (user_id)');
  }
  const updateColumns = ENROLLMENT_COLUMNS.filter((c) => c !== 'sourced_id');
  for (const batch of plan.spool.file('enrollments-update').batches(5000)) {
    // Spooled as [sourced_id, …values, row id]; matched on (id, sourced_id) so a key-hash collision can never update another row.
    const missed = await ops.updateByKey(
      'roster_enrollments',
      ['id', 'sourced_id'],
      updateColumns,
      batch.map((r) => [...r.slice(1, ENROLLMENT_COLUMNS.length), r[ENROLLMENT_COLUMNS.length], r[0]]),
    );
    if (missed.length) {
      await ops.insert('roster_enrollments', ENROLLMENT_COLUMNS, missed.map((r) => [r[r.length - 1], ...r.slice(0, updateColumns.length)]));
    }
  }
  return result;
}
