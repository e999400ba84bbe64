import type { KeyIndex } from './key-index.js';
import type { EntityFile } from './written-tables.js';
import type { StoredUsers } from './stored-users.js';

/** A row the planner hands to the writer, its values in the order of a column list (see written-tables.ts). */
export type Row = (string | number | null)[];

/** A row of a first load whose sourcedId an earlier line has (see ChangeSink.finishEnrollmentLoad). */
export interface LoadedDuplicate {
  line: number;
  sourcedId: string;
}

/** Where the planner sends the changes it decides: the writer inside the import's transaction (none in a dry run). */
export interface ChangeSink {
  /** Called before the first rows of users.csv and enrollments.csv with the number of rows the file holds, about. */
  expectUsers(rows: number): Promise<void>;
  expectEnrollments(rows: number): Promise<void>;
  entities(file: EntityFile, rows: Row[]): Promise<void>;
  users(rows: Row[]): Promise<void>;
  enrollmentInserts(rows: Row[]): Promise<void>;
  /** Rows as [...ENROLLMENT_COLUMNS values, stored row id]. */
  enrollmentUpdates(rows: Row[]): Promise<void>;
  /**
   * A first load's rows, into an empty table: as [line, ...ENROLLMENT_COLUMNS values], the file line becoming the
   * row's id (lines are unique and come in order), so a row found later is reported at its line.
   */
  enrollmentLoads(rows: Row[]): Promise<void>;
  /**
   * Once a first load's rows are all sent: the rows whose sourcedId a row of an earlier line has (a file listing an
   * enrollment twice), found in the database rather than in an index of every row kept in memory.
   */
  finishEnrollmentLoad(): Promise<LoadedDuplicate[]>;
  /**
   * The stored enrollments in an index sized for `expected` keys, read on another thread while this one reads the
   * other files (a sink with a thread of its own; without this the planner loads them itself, when it needs them).
   * Asked before anything is written, so it holds the roster as it was before the import.
   */
  loadEnrollments?(expected: number): Promise<KeyIndex>;
  /** The stored roster users, likewise (asked first: users.csv comes before enrollments.csv). */
  loadUsers?(expected: number): Promise<StoredUsers>;
}

/** Changed rows of one kind waiting for the next flush (a batch of a file at most: memory stays flat). */
export class ChangeQueue {
  rows: Row[] = [];
  push(row: Row): void {
    this.rows.push(row);
  }
  take(): Row[] {
    const rows = this.rows;
    this.rows = [];
    return rows;
  }
}
