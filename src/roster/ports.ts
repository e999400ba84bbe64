import type { ChangeSink, LoadedDuplicate, Row } from './changes.js';
import type { KeyIndex } from './key-index.js';
import type { Progress } from './progress.js';
import type { StoredUsers } from './stored-users.js';

/** What the importer needs from storage; src/roster/storage/sql-roster-store.ts implements it for SQLite and PostgreSQL. */

/** A small roster table's current rows: sourcedId → packed (row_hash × 2 + 1 when active), -1 for rows not from the roster. */
export type PackedRows = Map<string, number>;

export interface RosterSnapshot {
  orgs: PackedRows;
  orgTypes: Map<string, string | null>;
  orgNames: Map<string, string>;
  sessions: PackedRows;
  courses: PackedRows;
  classes: PackedRows;
  /** Stored roster users (empty when loadSnapshot was asked to leave them out); users.active is the guard's denominator. */
  users: StoredUsers;
  /** Stored roster users and enrollments, counted. */
  userCount: number;
  enrollmentCount: number;
  /**
   * Stored enrollments that only a full index of them can match: rows without a key hash (stored before migration 007)
   * or, on SQLite, with a row id beyond 32 bits. Then every stored enrollment is loaded, as before digests.
   */
  enrollmentsNeedFullIndex: boolean;
}

/** A stored enrollment found by its key hash (see RosterStorePort.findEnrollmentKeys). */
export interface StoredEnrollmentKey {
  rowId: number;
  hi: number;
  lo: number;
  hash: number;
  userId: string;
}

export interface AccountHit {
  accountId: string;
  usernameKey: string;
  studentId: string | null;
  /** The roster user linked to the account, if any. */
  rosterSourcedId: string | null;
}

export interface RosterUserLink {
  sourcedId: string;
  accountId: string;
  role: string;
  orgIds: string;
}

export type { LoadedDuplicate, Row };

export interface RosterRun {
  id: string;
  startedAt: number;
  finishedAt: number | null;
  source: string;
  mode: string;
  status: string;
  summary: unknown;
  errors: unknown;
}

export interface RosterStorePort {
  /** The stored roster; without its users when `users` is false (a sink's thread reads them, see ChangeSink.loadUsers). */
  loadSnapshot(options?: { users?: boolean }): Promise<RosterSnapshot>;
  /**
   * Adds every stored roster user (sourcedId, row_hash, flags, line_hash, group) to the table, then each one's
   * enrollment digest (see enrollment-digest.ts).
   */
  loadUsers(users: StoredUsers): Promise<void>;
  /** The sourcedIds of all stored roster users, page by page (to name the users a bulk file leaves out). */
  rosterUserIds(): AsyncIterable<string[]>;
  /** Adds every stored enrollment (id, sourcedId, row_hash) to the index. */
  loadEnrollments(index: KeyIndex): Promise<void>;
  /** Adds the stored enrollments of these users to the index, likewise. */
  loadEnrollmentsOf(userIds: readonly string[], index: KeyIndex): Promise<void>;
  /** The stored enrollments whose key hash's high half is one of these (the caller checks the low half). */
  findEnrollmentKeys(his: readonly number[]): Promise<StoredEnrollmentKey[]>;
  findAccounts(usernameKeys: string[], studentIds: string[]): Promise<AccountHit[]>;
  userLinks(sourcedIds: string[]): Promise<RosterUserLink[]>;
  /**
   * Opens the import's one write transaction (on SQLite, on a connection of its own, possibly in a thread of its
   * own): nothing it writes is seen by anyone before commit(), and rollback() or the process dying undoes it all.
   */
  openWriter(context: WriterContext, progress: Progress): Promise<WriteSession>;
  startRun(run: { id: string; startedAt: number; source: string; mode: string }): Promise<void>;
  /** Records the result of a run that did not apply (an applied run is recorded by its WriteSession). */
  finishRun(run: RunResult): Promise<void>;
  /** Marks runs left `running` by a process that died as `interrupted`. */
  markInterrupted(): Promise<number>;
  recentRuns(limit: number): Promise<RosterRun[]>;
}

export interface RunResult {
  id: string;
  finishedAt: number;
  status: string;
  summary: unknown;
  errors: unknown;
}

export interface WriterContext {
  now: number;
  /** Seconds between first seen and claimable. */
  claimDelay: number;
  runId: string;
}

/** What only the end of the reading decides (see ImportPlan). */
export interface FinishPlan {
  removed: Record<'orgs' | 'academicSessions' | 'courses' | 'classes', string[]>;
  disable: string[];
  reenable: string[];
  enrollmentDeletes: number[];
}

export interface ApplyResult {
  accountsCreated: number;
  accountsDisabled: number;
  accountsReenabled: number;
  sessionsRevoked: number;
  /** Back-channel logout notices queued for the running server to send (see src/oidc/logout-notices.ts). */
  logoutNotices: number;
}

/** An import's write transaction: the planner's changes as they come, then the end of the apply, then commit. */
export interface WriteSession extends ChangeSink {
  finish(plan: FinishPlan): Promise<ApplyResult>;
  /** Records the applied run, in the same transaction. */
  finishRun(run: RunResult): Promise<void>;
  commit(): Promise<void>;
  rollback(): Promise<void>;
}
