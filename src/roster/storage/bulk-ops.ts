import type { LoadedDuplicate, Row } from '../changes.js';

/** Set-based writes inside the apply transaction. */
export interface BulkOps {
  insert(table: string, columns: readonly string[], rows: Row[]): Promise<void>;
  /** Insert, or on a conflict on `key` update the `update` columns from the new row. */
  upsert(table: string, columns: readonly string[], key: readonly string[], update: readonly string[], rows: Row[]): Promise<void>;
  /** Updates rows matched on all `key` columns; returns the key rows that matched nothing. */
  updateByKey(table: string, key: readonly string[], columns: readonly string[], rows: Row[]): Promise<Row[]>;
  /** `UPDATE table SET … WHERE column IN (values)`. */
  updateIn(table: string, set: Record<string, string | number | null>, column: string, values: readonly (string | number)[]): Promise<number>;
  /** `DELETE FROM table WHERE column IN (values)`, optionally only rows whose `only.column` is one of `only.values`. */
  deleteIn(table: string, column: string, values: readonly (string | number)[], only?: { column: string; values: readonly string[] }): Promise<number>;
  /** Creates indexes again (the CREATE INDEX statements dropSecondaryIndexes returned). */
  buildIndexes(statements: readonly string[]): Promise<void>;
  /**
   * Ends a first load of roster_enrollments, whose rows were inserted with their file line as id: on PostgreSQL, moves
   * the id sequence past them. Returns the rows whose sourcedId a row of a smaller id has, found through the key index.
   */
  endEnrollmentLoad(): Promise<LoadedDuplicate[]>;
  /** Rows in a table now. */
  count(table: string): Promise<number>;
  /** Drops a table's non-unique indexes; returns the statements that create them again. */
  dropSecondaryIndexes(table: string): Promise<string[]>;
  /** `SELECT columns FROM table WHERE column IN (values)`. */
  selectIn(table: string, columns: readonly string[], column: string, values: readonly (string | number)[]): Promise<Record<string, unknown>[]>;
}
