import SQLite from 'better-sqlite3';

/**
 * A connection to the SQLite file as every part of Homeroom opens it: write-ahead log (readers never wait for the
 * writer), foreign keys enforced, five seconds of patience for a lock. Its own module, free of Kysely and pg, so the
 * roster writer thread starts in a fraction of the time (it is on the import's critical path).
 */
export function openSqlite(file: string): SQLite.Database {
  const sqlite = new SQLite(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('foreign_keys = ON');
  return sqlite;
}
