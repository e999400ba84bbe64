import type BetterSqlite3 from 'better-sqlite3';

/**
 * Starts a roster import's write transaction on a SQLite connection: a bigger page cache for it (index inserts of a
 * large import otherwise thrash the default 2 MB) and a second thread for the sorts of index builds.
 */
export function beginRosterTransaction(db: BetterSqlite3.Database): void {
  db.pragma('cache_size = -65536');
  db.pragma('threads = 2');
  db.exec('BEGIN IMMEDIATE');
}
