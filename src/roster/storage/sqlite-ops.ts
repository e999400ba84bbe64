import type BetterSqlite3 from 'better-sqlite3';
import { DIGEST_SQL } from './enrollment-digest-sql.js';
import type { KeyIndex } from '../key-index.js';
import type { LoadedDuplicate, Row } from '../ports.js';
import type { BulkOps } from './bulk-ops.js';
import { laterDuplicates, SHARED_KEY_SQL } from './enrollment-duplicates.js';
import { USER_DISABLED, USER_DISABLED_BY_ROSTER, type StoredUsers } from '../stored-users.js';

const IN_CHUNK = 500;

/** The number written as 8 hex digits at `at`. */
const hex8 = (text: string, at: number) => hex(text, at, at + 8);

/**
 * Adds every stored enrollment (row id, key hash halves, row hash) to the index, as of one read transaction. Millions
 * of rows: better-sqlite3 spends about a microsecond handing over each row, so SQLite packs each page into one string
 * of fixed-width hex (32 characters a row), decoded here.
 */
export function loadSqliteEnrollments(db: BetterSqlite3.Database, index: KeyIndex): void {
  const page = db
    .prepare(
      `SELECT max(id), group_concat(printf('%08x%08x%08x%08x', id, key_hi, key_lo, row_hash), '')
       FROM (SELECT id, key_hi, key_lo, row_hash FROM roster_enrollments WHERE id > ? AND id <= 4294967295 AND key_hi IS NOT NULL ORDER BY id LIMIT 20000)`,
    )
    .raw(true);
  // Rows stored before their key hash was (migration 007), or with an id beyond 32 bits: hashed here. Two queries, not
  // one with OR, which SQLite answers by reading the whole table; each of these reads only its own rows.
  const unhashed = [
    db.prepare('SELECT id, sourced_id, row_hash FROM roster_enrollments WHERE key_hi IS NULL').raw(true),
    db.prepare('SELECT id, sourced_id, row_hash FROM roster_enrollments WHERE id > 4294967295 AND key_hi IS NOT NULL').raw(true),
  ];
  db.transaction(() => {
    let after = 0;
    for (;;) {
      const [last, text] = page.get(after) as [number | null, string | null];
      if (last === null || text === null) break;
      for (let at = 0; at < text.length; at += 32) index.addHashed(hex8(text, at + 8), hex8(text, at + 16), hex8(text, at + 24), hex8(text, at), false);
      after = last;
    }
    for (const query of unhashed) {
      for (const [id, sourcedId, hash] of query.iterate() as IterableIterator<[number, string, number]>) index.add(sourcedId, Number(hash), Number(id), false);
    }
  })();
}

/** A roster user's group as SQL (see StoredUsers.groups), from roster_users r. */
export const USER_GROUP_SQL = `CAST(r.enabled AS text) || '|' || r.role || '|' || r.org_ids`;

/** A roster user's flags as SQL (see stored-users.ts), from roster_users r joined to accounts a. */
export const USER_FLAGS_SQL = `(CASE WHEN a.status <> 'active' THEN ${USER_DISABLED} ELSE 0 END) + (CASE WHEN r.disabled_by_roster <> 0 THEN ${USER_DISABLED_BY_ROSTER} ELSE 0 END)`;

/**
 * Adds every stored roster user to the table, as of one read transaction: pages of one string each, a user as 8 hex
 * digits of row hash, 8 of line hash, 1 of flags, the sourcedId, U+001E and its group (see StoredUsers), users
 * separated by U+001F (no stored field holds either: the importer rejects control characters).
 */
export function loadSqliteUsers(db: BetterSqlite3.Database, users: StoredUsers): void {
  const page = db
    .prepare(
      `SELECT max(sourced_id), group_concat(entry, char(31)) FROM (
         SELECT r.sourced_id,
           printf('%08x%08x%x', coalesce(r.row_hash, 0) & 4294967295, coalesce(r.line_hash, 0) & 4294967295, ${USER_FLAGS_SQL})
             || r.sourced_id || char(30) || ${USER_GROUP_SQL} AS entry
         FROM roster_users r JOIN accounts a ON a.id = r.account_id
         WHERE r.sourced_id > ? ORDER BY r.sourced_id LIMIT 20000)`,
    )
    .raw(true);
  db.transaction(() => {
    let after = '';
    for (;;) {
      const [last, text] = page.get(after) as [string | null, string | null];
      if (last === null || text === null) break;
      for (const entry of text.split('\x1f')) {
        const end = entry.indexOf('\x1e', 17);
        users.addUser(entry.slice(17, end), hex(entry, 0, 8), hex(entry, 16, 17), hex(entry, 8, 16), entry.slice(end + 1));
      }
      after = last;
    }
  })();
}

/** Adds each stored user's enrollment digest (see enrollment-digest.ts) to the table. */
export function loadSqliteEnrollmentDigests(db: BetterSqlite3.Database, users: StoredUsers): void {
  const digests = db.prepare(`${DIGEST_SQL} GROUP BY user_id`).raw(true);
  db.transaction(() => {
    for (const [user, count, sum, mix] of digests.iterate() as IterableIterator<[string, number, number, number]>) users.addEnrollmentDigest(user, count, sum, mix);
  })();
  users.enrollments.loaded = true;
}

/** The number written in hex from `from` to `to`. */
function hex(text: string, from: number, to: number): number {
  let value = 0;
  for (let i = from; i < to; i += 1) {
    const c = text.charCodeAt(i);
    value = value * 16 + (c <= 57 ? c - 48 : c - 87);
  }
  return value;
}

/**
 * Bulk writes on SQLite: cached prepared statements run row by row inside the caller's transaction (the fastest way),
 * each row's values passed as arguments: binding them so takes less of the writer's time than passing the row's
 * array.
 */
export class SqliteBulkOps implements BulkOps {
  private readonly statements = new Map<string, BetterSqlite3.Statement>();
  constructor(private readonly db: BetterSqlite3.Database) {}

  private statement(text: string): BetterSqlite3.Statement {
    let statement = this.statements.get(text);
    if (!statement) {
      statement = this.db.prepare(text);
      this.statements.set(text, statement);
    }
    return statement;
  }

  async insert(table: string, columns: readonly string[], rows: Row[]): Promise<void> {
    if (!rows.length) return;
    const statement = this.statement(`INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`);
    for (const row of rows) statement.run(...row);
  }

  async upsert(table: string, columns: readonly string[], key: readonly string[], update: readonly string[], rows: Row[]): Promise<void> {
    if (!rows.length) return;
    const set = update.map((c) => `${c} = excluded.${c}`).join(', ');
    const statement = this.statement(
      `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')}) ON CONFLICT (${key.join(', ')}) DO ${set ? `UPDATE SET ${set}` : 'NOTHING'}`,
    );
    for (const row of rows) statement.run(...row);
  }

  async updateByKey(table: string, key: readonly string[], columns: readonly string[], rows: Row[]): Promise<Row[]> {
    if (!rows.length) return [];
    const statement = this.statement(`UPDATE ${table} SET ${columns.map((c) => `${c} = ?`).join(', ')} WHERE ${key.map((k) => `${k} = ?`).join(' AND ')}`);
    const missed: Row[] = [];
    for (const row of rows) if (statement.run(...row).changes === 0) missed.push(row);
    return missed;
  }

  async updateIn(table: string, set: Record<string, string | number | null>, column: string, values: readonly (string | number)[]): Promise<number> {
    const names = Object.keys(set);
    let changed = 0;
    for (let i = 0; i < values.length; i += IN_CHUNK) {
      const part = values.slice(i, i + IN_CHUNK);
      const statement = this.statement(`UPDATE ${table} SET ${names.map((n) => `${n} = ?`).join(', ')} WHERE ${column} IN (${part.map(() => '?').join(', ')})`);
      changed += statement.run([...names.map((n) => set[n]), ...part]).changes;
    }
    return changed;
  }

  async deleteIn(table: string, column: string, values: readonly (string | number)[], only?: { column: string; values: readonly string[] }): Promise<number> {
    let changed = 0;
    for (let i = 0; i < values.length; i += IN_CHUNK) {
      const part = values.slice(i, i + IN_CHUNK);
      const extra = only ? ` AND ${only.column} IN (${only.values.map(() => '?').join(', ')})` : '';
      const statement = this.statement(`DELETE FROM ${table} WHERE ${column} IN (${part.map(() => '?').join(', ')})${extra}`);
      changed += statement.run([...part, ...(only?.values ?? [])]).changes;
    }
    return changed;
  }

  async count(table: string): Promise<number> {
    return Number(this.db.prepare(`SELECT count(*) FROM ${table}`).pluck().get());
  }

  async endEnrollmentLoad(): Promise<LoadedDuplicate[]> {
    return laterDuplicates(this.db.prepare(SHARED_KEY_SQL).raw(true).iterate() as IterableIterator<[number, string]>);
  }

  async dropSecondaryIndexes(table: string): Promise<string[]> {
    // Indexes behind UNIQUE and PRIMARY KEY constraints have no sql; explicit unique indexes keep guarding the load.
    // Partial indexes stay too: they hold few rows (building one again would read the whole table to find them).
    const indexes = this.db
      .prepare(`SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE %' AND sql NOT LIKE '% WHERE %'`)
      .all(table) as { name: string; sql: string }[];
    for (const index of indexes) this.db.exec(`DROP INDEX "${index.name}"`);
    return indexes.map((index) => index.sql);
  }

  /**
   * With a page cache of 16 MB rather than the import's 64 (see beginRosterTransaction): SQLite sorts an index's keys
   * in buffers as large as the cache, and smaller ones make the builds both faster and lighter.
   */
  async buildIndexes(statements: readonly string[]): Promise<void> {
    this.db.pragma('cache_size = -16384');
    for (const statement of statements) this.db.exec(statement);
  }

  async selectIn(table: string, columns: readonly string[], column: string, values: readonly (string | number)[]): Promise<Record<string, unknown>[]> {
    const out: Record<string, unknown>[] = [];
    for (let i = 0; i < values.length; i += IN_CHUNK) {
      const part = values.slice(i, i + IN_CHUNK);
      const statement = this.statement(`SELECT ${columns.join(', ')} FROM ${table} WHERE ${column} IN (${part.map(() => '?').join(', ')})`);
      out.push(...(statement.all(part) as Record<string, unknown>[]));
    }
    return out;
  }
}
