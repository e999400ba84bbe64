import { hostname } from 'node:os';
import type BetterSqlite3 from 'better-sqlite3';
import type { Kysely } from 'kysely';
import type pg from 'pg';
import { DIGEST_SQL } from './enrollment-digest-sql.js';
import type { KeyIndex } from '../key-index.js';
import { StoredUsers } from '../stored-users.js';
import {
  type AccountHit,
  type RosterRun,
  type RunResult,
  type WriteSession,
  type WriterContext,
  type RosterSnapshot,
  type RosterStorePort,
  type RosterUserLink,
  type StoredEnrollmentKey,
} from '../ports.js';
import type { Store } from '../../store/database.js';
import { PgBulkOps } from './pg-ops.js';
import { loadSqliteEnrollmentDigests, loadSqliteEnrollments, loadSqliteUsers, SqliteBulkOps, USER_FLAGS_SQL, USER_GROUP_SQL } from './sqlite-ops.js';
import { SqlRosterRuns } from './runs.js';
import { beginRosterTransaction } from './sqlite-transaction.js';
import { LocalWriteSession, PipelinedWriteSession, runColumns, ThreadWriteSession } from './write-sessions.js';
import type { Progress } from '../progress.js';
import type { Database } from '../../store/tables.js';

const LOOKUP_CHUNK = 500;
const PAGE = 50_000;
/** SQLite hands rows over synchronously: small pages keep the heap small. */
const SQLITE_PAGE = 2_000;

function chunks<T>(values: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < values.length; i += size) out.push(values.slice(i, i + size));
  return out;
}

const pack = (hash: number | null, status: string | null) => (hash === null ? -1 : Number(hash) * 2 + (status === 'tobedeleted' ? 0 : 1));

/**
 * The roster's storage. Snapshots and bulk writes go through the raw driver handles (better-sqlite3 statements,
 * pg arrays with UNNEST): at a district's scale (hundreds of thousands of accounts, millions of enrollments) a query
 * builder per row would dominate the import's time. Everything else uses Kysely like the other repositories.
 */
export interface SqlRosterStoreOptions {
  /**
   * SQLite: write in a thread of its own, on a connection of its own, so that reading and checking the files and
   * writing the changes use both cores (the CLI's imports). Not for an import inside the server: its other
   * connection would wait on the import's write lock with the event loop blocked.
   */
  writerThread?: boolean;
  /** Bounds the writer thread's JavaScript heap, in megabytes (roster.importMemory). */
  writerHeapMb?: number;
}

export class SqlRosterStore implements RosterStorePort {
  private readonly db: Kysely<Database>;
  constructor(
    private readonly store: Store,
    private readonly options: SqlRosterStoreOptions = {},
  ) {
    this.db = store.db;
  }

  private get sqlite(): BetterSqlite3.Database | undefined {
    return this.store.engine === 'sqlite' ? this.store.raw.sqlite : undefined;
  }

  /** All rows of a query, as arrays, page by page on PostgreSQL (keyset on the first column). */
  private async *pages(select: string, from: string, key: string): AsyncGenerator<unknown[][]> {
    const sqlite = this.sqlite;
    if (sqlite) {
      const statement = sqlite.prepare(`SELECT ${select} FROM ${from}`).raw(true);
      let page: unknown[][] = [];
      for (const row of statement.iterate() as IterableIterator<unknown[]>) {
        page.push(row);
        if (page.length >= SQLITE_PAGE) {
          yield page;
          page = [];
        }
      }
      if (page.length) yield page;
      return;
    }
    const pool = this.store.raw.pool!;
    let after: unknown = null;
    for (;;) {
      const result: pg.QueryArrayResult = await pool.query({
        text: `SELECT ${select} FROM ${from} ${after === null ? '' : `${/ WHERE /i.test(from) ? 'AND' : 'WHERE'} ${key} > $1`} ORDER BY ${key} LIMIT ${PAGE}`,
        values: after === null ? [] : [after],
        rowMode: 'array',
      });
      if (result.rows.length) yield result.rows;
      if (result.rows.length < PAGE) return;
      after = result.rows[result.rows.length - 1][0];
    }
  }

  async loadSnapshot(options: { users?: boolean } = {}): Promise<RosterSnapshot> {
    const snapshot: RosterSnapshot = {
      orgs: new Map(),
      orgTypes: new Map(),
      orgNames: new Map(),
      sessions: new Map(),
      courses: new Map(),
      classes: new Map(),
      users: new StoredUsers(),
      userCount: 0,
      enrollmentCount: 0,
      enrollmentsNeedFullIndex: false,
    };
    for await (const page of this.pages('id, row_hash, status, type, name', 'schools', 'id')) {
      for (const [id, hash, status, type, name] of page as [string, number | null, string | null, string | null, string][]) {
        snapshot.orgs.set(id, pack(hash, status));
        snapshot.orgTypes.set(id, type);
        snapshot.orgNames.set(id, name);
      }
    }
    for (const [table, target] of [
      ['roster_sessions', snapshot.sessions],
      ['roster_courses', snapshot.courses],
      ['roster_classes', snapshot.classes],
    ] as const) {
      for await (const page of this.pages('sourced_id, row_hash, status', table, 'sourced_id')) {
        for (const [id, hash, status] of page as [string, number, string][]) target.set(id, pack(Number(hash), status));
      }
    }
    const count = async (table: 'roster_users' | 'roster_enrollments') =>
      Number(
        (
          await this.db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    snapshot.userCount = await count('roster_users');
    snapshot.enrollmentCount = await count('roster_enrollments');
    if (snapshot.enrollmentCount) {
      // The partial index roster_enrollments_unhashed holds the rows without a key hash: this reads only those.
      const unhashed = await this.db.selectFrom('roster_enrollments').select('id').where('key_hi', 'is', null).limit(1).executeTakeFirst();
      const last = await this.db
        .selectFrom('roster_enrollments')
        .select((eb) => eb.fn.max('id').as('id'))
        .executeTakeFirstOrThrow();
      snapshot.enrollmentsNeedFullIndex = unhashed !== undefined || (this.sqlite !== undefined && Number(last.id) > 4294967295);
    }
    if (options.users !== false) {
      snapshot.users = new StoredUsers(snapshot.userCount);
      await this.loadUsers(snapshot.users);
    }
    return snapshot;
  }

  async loadUsers(users: StoredUsers): Promise<void> {
    const sqlite = this.sqlite;
    if (sqlite) {
      loadSqliteUsers(sqlite, users);
      loadSqliteEnrollmentDigests(sqlite, users);
      return;
    }
    for await (const page of this.pages(
      `r.sourced_id, coalesce(r.row_hash, 0), ${USER_FLAGS_SQL}, coalesce(r.line_hash, 0), ${USER_GROUP_SQL}`,
      'roster_users r JOIN accounts a ON a.id = r.account_id',
      'r.sourced_id',
    )) {
      for (const [id, hash, flags, line, group] of page as [string, number, number, number, string][]) {
        users.addUser(id, Number(hash), Number(flags), Number(line), group);
      }
    }
    // Page by page, by user (the sums come as text: PostgreSQL sums bigints as numeric).
    const pool = this.store.raw.pool!;
    let after = '';
    for (;;) {
      const result: pg.QueryArrayResult = await pool.query({
        text: `${DIGEST_SQL} WHERE user_id > $1 GROUP BY user_id ORDER BY user_id LIMIT ${PAGE}`,
        values: [after],
        rowMode: 'array',
      });
      for (const [user, count, sum, mix] of result.rows as [string, string, string, string][]) users.addEnrollmentDigest(user, Number(count), Number(sum), Number(mix));
      if (result.rows.length < PAGE) break;
      after = result.rows[result.rows.length - 1][0] as string;
    }
    users.enrollments.loaded = true;
  }

  async loadEnrollmentsOf(userIds: readonly string[], index: KeyIndex): Promise<void> {
    for (const part of chunks(userIds, LOOKUP_CHUNK)) {
      const rows = await this.db.selectFrom('roster_enrollments').select(['id', 'sourced_id', 'key_hi', 'key_lo', 'row_hash']).where('user_id', 'in', part).orderBy('id').execute();
      for (const r of rows) {
        if (r.key_hi === null || r.key_lo === null) index.add(r.sourced_id, Number(r.row_hash), Number(r.id), false);
        else index.addHashed(Number(r.key_hi), Number(r.key_lo), Number(r.row_hash), Number(r.id), false);
      }
    }
  }

  async findEnrollmentKeys(his: readonly number[]): Promise<StoredEnrollmentKey[]> {
    const found: StoredEnrollmentKey[] = [];
    for (const part of chunks([...new Set(his)], LOOKUP_CHUNK)) {
      const rows = await this.db.selectFrom('roster_enrollments').select(['id', 'key_hi', 'key_lo', 'row_hash', 'user_id']).where('key_hi', 'in', part).execute();
      for (const r of rows) found.push({ rowId: Number(r.id), hi: Number(r.key_hi), lo: Number(r.key_lo), hash: Number(r.row_hash), userId: r.user_id });
    }
    return found;
  }

  async *rosterUserIds(): AsyncIterable<string[]> {
    for await (const page of this.pages('sourced_id', 'roster_users', 'sourced_id')) yield page.map((row) => row[0] as string);
  }

  async loadEnrollments(index: KeyIndex): Promise<void> {
    const sqlite = this.sqlite;
    if (sqlite) {
      loadSqliteEnrollments(sqlite, index);
      return;
    }
    const pool = this.store.raw.pool!;
    let after = 0;
    for (;;) {
      const result: pg.QueryArrayResult = await pool.query({
        text: `SELECT id, key_hi, key_lo, row_hash FROM roster_enrollments WHERE id > $1 AND key_hi IS NOT NULL ORDER BY id LIMIT ${PAGE}`,
        values: [after],
        rowMode: 'array',
      });
      for (const [id, hi, lo, hash] of result.rows as [number, number, number, number][]) index.addHashed(Number(hi), Number(lo), Number(hash), Number(id), false);
      if (result.rows.length < PAGE) break;
      after = Number(result.rows[result.rows.length - 1][0]);
    }
    // Rows stored before their key hash was (migration 007): hashed here.
    for await (const page of this.pages('id, sourced_id, row_hash', 'roster_enrollments WHERE key_hi IS NULL', 'id')) {
      for (const [id, sourcedId, hash] of page as [number, string, number][]) index.add(sourcedId, Number(hash), Number(id), false);
    }
  }

  async findAccounts(usernameKeys: string[], studentIds: string[]): Promise<AccountHit[]> {
    const hits: AccountHit[] = [];
    const select = () =>
      this.db
        .selectFrom('accounts')
        .leftJoin('roster_users', 'roster_users.account_id', 'accounts.id')
        .select(['accounts.id', 'accounts.username_key', 'accounts.student_id', 'roster_users.sourced_id']);
    const add = (rows: { id: string; username_key: string; student_id: string | null; sourced_id: string | null }[]) => {
      for (const r of rows) hits.push({ accountId: r.id, usernameKey: r.username_key, studentId: r.student_id, rosterSourcedId: r.sourced_id });
    };
    for (const part of chunks(usernameKeys, LOOKUP_CHUNK)) add(await select().where('accounts.username_key', 'in', part).execute());
    for (const part of chunks(studentIds, LOOKUP_CHUNK)) add(await select().where('accounts.student_id', 'in', part).execute());
    return hits;
  }

  async userLinks(sourcedIds: string[]): Promise<RosterUserLink[]> {
    const links: RosterUserLink[] = [];
    for (const part of chunks(sourcedIds, LOOKUP_CHUNK)) {
      const rows = await this.db.selectFrom('roster_users').select(['sourced_id', 'account_id', 'role', 'org_ids']).where('sourced_id', 'in', part).execute();
      for (const r of rows) links.push({ sourcedId: r.sourced_id, accountId: r.account_id, role: r.role, orgIds: r.org_ids });
    }
    return links;
  }

  async openWriter(context: WriterContext, progress: Progress): Promise<WriteSession> {
    const sqlite = this.sqlite;
    if (sqlite) {
      if (this.options.writerThread && !sqlite.memory) return ThreadWriteSession.open(sqlite.name, context, progress, this.options.writerHeapMb);
      return new LocalWriteSession(new SqliteBulkOps(sqlite), context, progress, {
        begin: async () => beginRosterTransaction(sqlite),
        commit: async () => {
          if (sqlite.inTransaction) sqlite.exec('COMMIT');
        },
        rollback: async () => {
          if (sqlite.inTransaction) sqlite.exec('ROLLBACK');
        },
      });
    }
    const client = await this.store.raw.pool!.connect();
    try {
      await client.query('BEGIN');
    } catch (error) {
      client.release();
      throw error;
    }
    let released = false;
    const release = () => {
      if (!released) client.release();
      released = true;
    };
    const session = new LocalWriteSession(new PgBulkOps(client), context, progress, {
      begin: async () => {},
      commit: async () => {
        try {
          await client.query('COMMIT');
        } finally {
          release();
        }
      },
      rollback: async () => {
        if (released) return;
        await client.query('ROLLBACK').catch(() => undefined);
        release();
      },
    });
    return new PipelinedWriteSession(session);
  }

  async startRun(run: { id: string; startedAt: number; source: string; mode: string }): Promise<void> {
    await this.db
      .insertInto('roster_runs')
      .values({
        id: run.id,
        started_at: run.startedAt,
        finished_at: null,
        source: run.source,
        mode: run.mode,
        status: 'running',
        // Who runs it, so a later import can tell a run whose process died from one still going.
        summary: JSON.stringify({ host: hostname(), pid: process.pid }),
        errors: '{}',
      })
      .execute();
  }

  async finishRun(run: RunResult): Promise<void> {
    await this.db.updateTable('roster_runs').set(runColumns(run)).where('id', '=', run.id).execute();
  }

  async markInterrupted(): Promise<number> {
    const running = await this.db.selectFrom('roster_runs').select(['id', 'summary']).where('status', '=', 'running').execute();
    const dead = running
      .filter((run) => {
        const { host, pid } = JSON.parse(run.summary) as { host?: string; pid?: number };
        if (host !== hostname() || !pid) return false; // another machine's import: it may still be running
        try {
          process.kill(pid, 0);
          return false; // alive
        } catch {
          return true;
        }
      })
      .map((run) => run.id);
    if (!dead.length) return 0;
    const result = await this.db.updateTable('roster_runs').set({ status: 'interrupted', finished_at: Date.now() }).where('id', 'in', dead).executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  async recentRuns(limit: number): Promise<RosterRun[]> {
    return new SqlRosterRuns(this.db).list({ limit });
  }
}
