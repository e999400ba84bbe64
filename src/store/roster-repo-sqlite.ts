import type BetterSqlite3 from 'better-sqlite3';
import type { BulkOps, Row } from '../roster/ports.js';

const IN_CHUNK = 500;

/** Bulk writes on SQLite: cached prepared statements run row by row inside the caller's transaction (the fastest way). */
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
    for (const row of rows) statement.run(row);
  }

  async upsert(table: string, columns: readonly string[], key: readonly string[], update: readonly string[], rows: Row[]): Promise<void> {
    if (!rows.length) return;
    const set = update.map((c) => `${c} = excluded.${c}`).join(', ');
    const statement = this.statement(
      `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')}) ON CONFLICT (${key.join(', ')}) DO ${set ? `UPDATE SET ${set}` : 'NOTHING'}`,
    );
    for (const row of rows) statement.run(row);
  }

  async updateByKey(table: string, key: readonly string[], columns: readonly string[], rows: Row[]): Promise<Row[]> {
    if (!rows.length) return [];
    const statement = this.statement(`UPDATE ${table} SET ${columns.map((c) => `${c} = ?`).join(', ')} WHERE ${key.map((k) => `${k} = ?`).join(' AND ')}`);
    const missed: Row[] = [];
    for (const row of rows) if (statement.run(row).changes === 0) missed.push(row);
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

  async dropSecondaryIndexes(table: string): Promise<string[]> {
    // Indexes behind UNIQUE and PRIMARY KEY constraints have no sql; explicit unique indexes keep guarding the load.
    const indexes = this.db
      .prepare(`SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE %'`)
      .all(table) as { name: string; sql: string }[];
    for (const index of indexes) this.db.exec(`DROP INDEX "${index.name}"`);
    return indexes.map((index) => index.sql);
  }

  async exec(statements: string): Promise<void> {
    this.db.exec(statements);
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
