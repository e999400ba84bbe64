import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { EventBus } from '../../src/events/bus.js';
import { importRoster, type ImportOptions, type ImportReport } from '../../src/roster/import.js';
import type { RosterSettings } from '../../src/roster/plan.js';
import type { Store, StoreOptions } from '../../src/store/database.js';
import { SqlRosterStore } from '../../src/roster/storage/sql-roster-store.js';
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
      'accounts.id',
      'accounts.username',
      'accounts.given_name',
      'accounts.family_name',
      'accounts.status',
      'accounts.student_id',
      'accounts.grade',
      'accounts.email',
      'accounts.first_seen_at',
      'accounts.claimable_at',
      'accounts.password_hash',
      'roster_users.sourced_id',
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
      roles: roles
        .filter((x) => x.account_id === r.id)
        .map((x) => x.role)
        .sort(),
      schools: schools
        .filter((x) => x.account_id === r.id)
        .map((x) => x.school_id)
        .sort(),
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
  for (const table of [
    'accounts',
    'account_roles',
    'account_schools',
    'schools',
    'roster_users',
    'roster_classes',
    'roster_courses',
    'roster_sessions',
    'roster_enrollments',
  ] as const) {
    const rows = await store.db.selectFrom(table).selectAll().execute();
    parts.push(rows.map((r) => JSON.stringify(r)).sort());
  }
  return JSON.stringify(parts);
}

export async function count(store: Store, table: 'accounts' | 'roster_enrollments' | 'roster_classes' | 'schools' | 'audit_events' | 'roster_users'): Promise<number> {
  const row = await store.db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * A place to run `homeroom` as an operator does, on one engine: a folder for its files (and SQLite database), a fresh
 * PostgreSQL schema, the environment and config file (with `config` merged in), and the options to open the same store.
 */
export function cliWorkspace(engine: Engine, config: Record<string, unknown> = {}) {
  const work = mkdtempSync(join(tmpdir(), 'roster-cli-'));
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    NODE_OPTIONS: '',
    HOMEROOM_DEMO: '0',
    LOG_LEVEL: 'warn',
    HOMEROOM_DATA_DIR: join(work, 'data'),
    HOMEROOM_CONFIG: join(work, 'homeroom.json'),
  };
  let storeOptions: StoreOptions;
  if (engine === 'postgres') {
    writeFileSync(env.HOMEROOM_CONFIG, JSON.stringify({ ...config, database: { schema } }));
    env.DATABASE_URL = process.env.TEST_DATABASE_URL!;
    storeOptions = { engine, url: process.env.TEST_DATABASE_URL!, schema, poolSize: 2 };
  } else {
    writeFileSync(env.HOMEROOM_CONFIG, JSON.stringify(config));
    storeOptions = { engine, file: join(work, 'data', 'homeroom.db') };
  }
  return {
    work,
    env,
    storeOptions,
    cli: (...args: string[]) => spawnSync(process.execPath, ['bin/homeroom.js', ...args], { env, encoding: 'utf8', timeout: 120_000 }),
    async remove(): Promise<void> {
      rmSync(work, { recursive: true, force: true });
      if (engine !== 'postgres') return;
      const client = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await client.end();
    },
  };
}
