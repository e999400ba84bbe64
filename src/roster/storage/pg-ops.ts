import type pg from 'pg';
import type { LoadedDuplicate, Row } from '../ports.js';
import type { BulkOps } from './bulk-ops.js';
import { laterDuplicates, SHARED_KEY_SQL } from './enrollment-duplicates.js';

const BATCH = 5000;

const BIGINT = new Set([
  'row_hash',
  'created_at',
  'updated_at',
  'first_seen_at',
  'claimable_at',
  'claimed_at',
  'password_changed_at',
  'last_login_at',
  'expires_at',
  'at',
  'started_at',
  'finished_at',
  'key_hi',
  'key_lo',
  'line_hash',
  'next_at',
]);
const INTEGER = new Set(['enabled', 'disabled_by_roster', 'is_primary']);

/** The PostgreSQL type of a column, for the casts UNNEST needs. */
function typeOf(table: string, column: string): string {
  if (table === 'roster_enrollments' && column === 'id') return 'bigint';
  if (BIGINT.has(column)) return 'bigint';
  if (INTEGER.has(column)) return 'integer';
  return 'text';
}

function columnsOf(rows: Row[], width: number): unknown[][] {
  const arrays: unknown[][] = Array.from({ length: width }, () => new Array(rows.length));
  for (let r = 0; r < rows.length; r += 1) {
    const row = rows[r];
    for (let c = 0; c < width; c += 1) arrays[c][r] = row[c];
  }
  return arrays;
}

/**
 * Bulk writes on PostgreSQL: one statement per few thousand rows, the rows passed as one array per column and
 * turned back into rows by UNNEST (a handful of round trips instead of one per row).
 */
export class PgBulkOps implements BulkOps {
  constructor(private readonly client: pg.PoolClient) {}

  private unnest(table: string, columns: readonly string[], offset = 0): string {
    return `unnest(${columns.map((c, i) => `$${i + 1 + offset}::${typeOf(table, c)}[]`).join(', ')})`;
  }

  async insert(table: string, columns: readonly string[], rows: Row[]): Promise<void> {
    for (let i = 0; i < rows.length; i += BATCH) {
      const part = rows.slice(i, i + BATCH);
      await this.client.query(`INSERT INTO ${table} (${columns.join(', ')}) SELECT * FROM ${this.unnest(table, columns)}`, columnsOf(part, columns.length));
    }
  }

  async upsert(table: string, columns: readonly string[], key: readonly string[], update: readonly string[], rows: Row[]): Promise<void> {
    const set = update.map((c) => `${c} = EXCLUDED.${c}`).join(', ');
    for (let i = 0; i < rows.length; i += BATCH) {
      const part = rows.slice(i, i + BATCH);
      await this.client.query(
        `INSERT INTO ${table} (${columns.join(', ')}) SELECT * FROM ${this.unnest(table, columns)} ON CONFLICT (${key.join(', ')}) DO ${set ? `UPDATE SET ${set}` : 'NOTHING'}`,
        columnsOf(part, columns.length),
      );
    }
  }

  async updateByKey(table: string, key: readonly string[], columns: readonly string[], rows: Row[]): Promise<Row[]> {
    const all = [...columns, ...key];
    const missed: Row[] = [];
    for (let i = 0; i < rows.length; i += BATCH) {
      const part = rows.slice(i, i + BATCH);
      const result = await this.client.query({
        text: `UPDATE ${table} AS t SET ${columns.map((c) => `${c} = v.${c}`).join(', ')} FROM ${this.unnest(table, all)} AS v(${all.join(', ')})
               WHERE ${key.map((k) => `t.${k} = v.${k}`).join(' AND ')} RETURNING ${key.map((k) => `t.${k}`).join(', ')}`,
        values: columnsOf(part, all.length),
        rowMode: 'array',
      });
      const matched = new Set(result.rows.map((r: unknown[]) => r.map(String).join('\u001f')));
      for (const row of part) if (!matched.has(row.slice(columns.length).map(String).join('\u001f'))) missed.push(row);
    }
    return missed;
  }

  async updateIn(table: string, set: Record<string, string | number | null>, column: string, values: readonly (string | number)[]): Promise<number> {
    const names = Object.keys(set);
    let changed = 0;
    for (let i = 0; i < values.length; i += BATCH * 4) {
      const part = values.slice(i, i + BATCH * 4);
      const result = await this.client.query(
        `UPDATE ${table} SET ${names.map((n, j) => `${n} = $${j + 1}`).join(', ')} WHERE ${column} = ANY($${names.length + 1}::${typeOf(table, column)}[])`,
        [...names.map((n) => set[n]), part],
      );
      changed += result.rowCount ?? 0;
    }
    return changed;
  }

  async deleteIn(table: string, column: string, values: readonly (string | number)[], only?: { column: string; values: readonly string[] }): Promise<number> {
    let changed = 0;
    for (let i = 0; i < values.length; i += BATCH * 4) {
      const part = values.slice(i, i + BATCH * 4);
      const result = await this.client.query(
        `DELETE FROM ${table} WHERE ${column} = ANY($1::${typeOf(table, column)}[])${only ? ` AND ${only.column} = ANY($2::text[])` : ''}`,
        only ? [part, only.values] : [part],
      );
      changed += result.rowCount ?? 0;
    }
    return changed;
  }

  async endEnrollmentLoad(): Promise<LoadedDuplicate[]> {
    // The rows came with their ids: the sequence must move past them before anything inserts without one.
    await this.client.query(`SELECT setval(pg_get_serial_sequence('roster_enrollments', 'id'), max(id)) FROM roster_enrollments HAVING max(id) IS NOT NULL`);
    const result = await this.client.query({ text: SHARED_KEY_SQL, rowMode: 'array' });
    return laterDuplicates(result.rows as [number, string][]);
  }

  async count(table: string): Promise<number> {
    const result = await this.client.query(`SELECT count(*)::int AS n FROM ${table}`);
    return Number(result.rows[0].n);
  }

  /**
   * Never on PostgreSQL: DROP INDEX holds an exclusive lock on the table until the import commits, which would stop
   * every reader of it — the server's, and the planner's own reads on other connections of the pool (a deadlock).
   */
  async dropSecondaryIndexes(_table: string): Promise<string[]> {
    return [];
  }

  async buildIndexes(statements: readonly string[]): Promise<void> {
    for (const statement of statements) await this.client.query(statement);
  }

  async selectIn(table: string, columns: readonly string[], column: string, values: readonly (string | number)[]): Promise<Record<string, unknown>[]> {
    const out: Record<string, unknown>[] = [];
    for (let i = 0; i < values.length; i += BATCH * 4) {
      const part = values.slice(i, i + BATCH * 4);
      const result = await this.client.query(`SELECT ${columns.join(', ')} FROM ${table} WHERE ${column} = ANY($1::${typeOf(table, column)}[])`, [part]);
      out.push(...result.rows);
    }
    return out;
  }
}
