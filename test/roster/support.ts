import type { EventBus } from '../../src/events/bus.js';
import { importRoster, type ImportOptions, type ImportReport } from '../../src/roster/import.js';
import type { RosterSettings } from '../../src/roster/plan.js';
import type { Store } from '../../src/store/database.js';
import { SqlRosterStore } from '../../src/store/roster-repo.js';
import { ENGINES, type Engine } from '../helpers/server.js';

export const SETTINGS: RosterSettings = {
  studentIdSource: 'identifier',
  usernameTemplates: { student: 'S0{studentNumber}', teacher: '{username}', staff: '{username}' },
  claimDelay: 86400,
  maxDisableShare: 0.1,
};

export type Importer = (path: string, options?: ImportOptions, settings?: Partial<RosterSettings>) => Promise<ImportReport>;

export function importer(store: Store, events: EventBus, base: Partial<RosterSettings> = {}, writerThread = false): Importer {
  return (path, options = {}, settings = {}) =>
    importRoster({ store: new SqlRosterStore(store, { writerThread }), events, settings: { ...SETTINGS, ...base, ...settings } }, path, options);
}

/** The stores an import writes through: each engine, and SQLite with its writer in a thread of its own (the CLI's). */
export const WRITERS: [Engine, boolean][] = [...ENGINES.map((engine): [Engine, boolean] => [engine, false]), ['sqlite', true]];

export interface AccountView {
  username: string;
  givenName: string;
  familyName: string;
  status: string;
  studentId: string | null;
  grade: string | null;
  email: string | null;
  roles: string[];
  schools: string[];
  sourcedId: string | null;
  firstSeenAt: number | null;
  claimableAt: number | null;
  passwordHash: string | null;
}

/** Every account with its roster link, roles and schools, by username: what a test compares before and after. */
export async function accountsOf(store: Store): Promise<Map<string, AccountView>> {
  const rows = await store.db
    .selectFrom('accounts')
    .leftJoin('roster_users', 'roster_users.account_id', 'accounts.id')
    .select([
      'accounts.id', 'accounts.username', 'accounts.given_name', 'accounts.family_name', 'accounts.status', 'accounts.student_id', 'accounts.grade',
      'accounts.email', 'accounts.first_seen_at', 'accounts.claimable_at', 'accounts.password_hash', 'roster_users.sourced_id',
    ])
    .execute();
  const roles = await store.db.selectFrom('account_roles').select(['account_id', 'role']).execute();
  const schools = await store.db.selectFrom('account_schools').select(['account_id', 'school_id']).execute();
  const out = new Map<string, AccountView>();
  for (const r of rows) {
    out.set(r.username, {
      username: r.username,
      givenName: r.given_name,
      familyName: r.family_name,
      status: r.status,
      studentId: r.student_id,
      grade: r.grade,
      email: r.email,
      roles: roles.filter((x) => x.account_id === r.id).map((x) => x.role).sort(),
      schools: schools.filter((x) => x.account_id === r.id).map((x) => x.school_id).sort(),
      sourcedId: r.sourced_id,
      firstSeenAt: r.first_seen_at,
      claimableAt: r.claimable_at,
      passwordHash: r.password_hash,
    });
  }
  return out;
}

/** A digest of every roster table, to show that an import changed nothing. */
export async function rosterDigest(store: Store): Promise<string> {
  const parts: unknown[] = [];
  for (const table of ['accounts', 'account_roles', 'account_schools', 'schools', 'roster_users', 'roster_classes', 'roster_courses', 'roster_sessions', 'roster_enrollments'] as const) {
    const rows = await store.db.selectFrom(table).selectAll().execute();
    parts.push(rows.map((r) => JSON.stringify(r)).sort());
  }
  return JSON.stringify(parts);
}

export async function count(store: Store, table: 'accounts' | 'roster_enrollments' | 'roster_classes' | 'schools' | 'audit_events' | 'roster_users'): Promise<number> {
  const row = await store.db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}
