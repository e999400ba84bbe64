import type { EntityFile } from './plan.js';
import type { Row } from './ports.js';

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
