import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql, type Migration, type SqliteDatabase } from 'kysely';
import pg from 'pg';
import type { Config } from '../config/load.js';
import * as initial from './migrations/001_initial.js';
import * as roster from './migrations/002_roster.js';
import * as claim from './migrations/003_claim.js';
import * as admin from './migrations/004_admin.js';
import * as tickets from './migrations/005_tickets.js';
import * as readiness from './migrations/006_readiness.js';
import * as rosterKeys from './migrations/007_roster_keys.js';
import * as rosterUnhashed from './migrations/008_roster_unhashed.js';
import * as rosterLineHash from './migrations/009_roster_line_hash.js';
import * as logoutNotices from './migrations/010_logout_notices.js';
import * as rosterEnrollmentKeys from './migrations/011_roster_enrollment_keys.js';
import * as rpSessionBinding from './migrations/012_rp_session_binding.js';
import * as flowBrowserBinding from './migrations/013_flow_browser_binding.js';
import * as saml from './migrations/014_saml.js';
import * as accountsWithoutEmail from './migrations/015_accounts_without_email.js';
import * as throttleWindowIndex from './migrations/016_throttle_window_index.js';
import * as homeLanguages from './migrations/019_home_languages.js';
import * as mfa from './migrations/020_mfa.js';
import * as passkeys from './migrations/021_passkeys.js';
import * as accountSearch from './migrations/022_account_search.js';
import * as badges from './migrations/024_badges.js';
import * as picturePasswords from './migrations/025_picture_passwords.js';
import * as oidcPayloadPartialIndexes from './migrations/026_oidc_payload_partial_indexes.js';
import { openSqlite } from './sqlite-connection.js';
import type { Database } from './tables.js';

export type Engine = 'sqlite' | 'postgres';

const CONNECT_TIMEOUT_MS = 15_000;

export interface Store {
  db: Kysely<Database>;
  engine: Engine;
  /** The raw handles, for bulk work (the roster import) that a query builder would slow down. */
  raw: { sqlite?: SQLite.Database; pool?: pg.Pool };
  close(): Promise<void>;
}

/** Migrations in order; new ones are appended, never edited once released. */
const migrations: Record<string, Migration> = {
  '001_initial': initial,
  '002_roster': roster,
  '003_claim': claim,
  '004_admin': admin,
  '005_tickets': tickets,
  '006_readiness': readiness,
  '007_roster_keys': rosterKeys,
  '008_roster_unhashed': rosterUnhashed,
  '009_roster_line_hash': rosterLineHash,
  '010_logout_notices': logoutNotices,
  '011_roster_enrollment_keys': rosterEnrollmentKeys,
  '012_rp_session_binding': rpSessionBinding,
  '013_flow_browser_binding': flowBrowserBinding,
  '014_saml': saml,
  '015_accounts_without_email': accountsWithoutEmail,
  '016_throttle_window_index': throttleWindowIndex,
  '019_home_languages': homeLanguages,
  '020_mfa': mfa,
  '021_passkeys': passkeys,
  '022_account_search': accountSearch,
  '024_badges': badges,
  '025_picture_passwords': picturePasswords,
  '026_oidc_payload_partial_indexes': oidcPayloadPartialIndexes,
};

/** Names of all migrations, in the order they apply. */
export const MIGRATION_NAMES: readonly string[] = Object.keys(migrations).sort();

export interface StoreOptions {
  engine: Engine;
  /** postgres:// URL when engine is postgres. */
  url?: string;
  /** PostgreSQL schema (created when missing); tests use a fresh one per run. */
  schema?: string;
  /** SQLite file path, or ':memory:'. */
  file?: string;
  poolSize?: number;
}

export function storeOptionsFromConfig(config: Config): StoreOptions {
  if (config.databaseEngine === 'postgres') {
    return { engine: 'postgres', url: config.database.url, schema: config.database.schema, poolSize: config.database.poolSize };
  }
  const dir = resolve(config.database.dataDir);
  mkdirSync(dir, { recursive: true });
  return { engine: 'sqlite', file: join(dir, 'homeroom.db') };
}

export async function openStore(options: StoreOptions): Promise<Store> {
  if (options.engine === 'postgres') {
    // BIGINT (our epoch-millisecond columns) arrives as a string by default; these values fit a double.
    const types = {
      getTypeParser: (oid: number, format?: 'text' | 'binary') =>
        oid === 20 ? (value: string) => Number(value) : (pg.types.getTypeParser as (oid: number, format?: 'text' | 'binary') => unknown)(oid, format),
    };
    const schema = options.schema;
    if (schema) {
      const admin = new pg.Client({ connectionString: options.url });
      await admin.connect();
      try {
        await admin.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
      } finally {
        await admin.end();
      }
    }
    const pool = new pg.Pool({
      connectionString: options.url,
      max: options.poolSize ?? 10,
      // A database that does not answer (a host gone, a full backlog) fails the request with a 503 instead of holding
      // it for the operating system's TCP timeout of minutes. pg applies the same bound to a wait for a free pooled
      // connection, so it is generous: a surge queues for a while before anyone is turned away.
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      types,
      ...(schema ? { options: `-c search_path="${schema}"` } : {}),
    });
    // A connection the server drops (a restart, a failover) reports it as an 'error' event, which would end the
    // process if nobody listened: the pool's own for an idle connection (already discarded; the next query opens a
    // new one), the connection's for one checked out between two queries of a transaction (its next query fails,
    // the request gets a 503, and the pool discards it on release).
    pool.on('error', () => undefined);
    pool.on('connect', (client) => client.on('error', () => undefined));
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return { db, engine: 'postgres', raw: { pool }, close: () => db.destroy() };
  }
  const sqlite = openSqlite(options.file ?? ':memory:');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: reusingStatements(sqlite) }) });
  return { db, engine: 'sqlite', raw: { sqlite }, close: () => db.destroy() };
}

/**
 * Kysely prepares every query afresh; on SQLite preparing costs more than running a small query, and a login runs
 * dozens. The same SQL text reuses its prepared statement (queries are never streamed here, so no statement is
 * ever in use twice at once).
 */
function reusingStatements(sqlite: SQLite.Database, size = 1000): SqliteDatabase {
  const statements = new Map<string, SQLite.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(text: string) {
      let statement = statements.get(text);
      if (!statement) {
        statement = sqlite.prepare(text);
        if (statements.size >= size) statements.delete(statements.keys().next().value!);
        statements.set(text, statement);
      }
      return statement as unknown as ReturnType<SqliteDatabase['prepare']>;
    },
  };
}

export async function migrateToLatest(store: Store, schema?: string): Promise<string[]> {
  const migrator = new Migrator({
    db: store.db,
    provider: { getMigrations: async () => migrations },
    ...(store.engine === 'postgres' && schema ? { migrationTableSchema: schema } : {}),
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error;
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** Opens the configured store, migrates it, runs `work`, and closes it (one command of the CLI, the import thread). */
export async function withMigratedStore<T>(config: Config, work: (store: Store) => Promise<T>): Promise<T> {
  const options = storeOptionsFromConfig(config);
  const store = await openStore(options);
  try {
    await migrateToLatest(store, options.schema);
    return await work(store);
  } finally {
    await store.close();
  }
}

export async function ping(store: Store): Promise<void> {
  await sql`select 1`.execute(store.db);
}
