// Runs one read-only query on the SQLite database in a thread of its own: the readiness summary reads every
// student (seconds at a million), and better-sqlite3 would hold the event loop for all that time. Plain JavaScript so
// it runs the same under tsx, Jest and a build. A connection of its own reads one consistent snapshot (WAL).
import { parentPort, workerData } from 'node:worker_threads';
import { setPriority } from 'node:os';
import Database from 'better-sqlite3';

try {
  // Requests (sign-ins) come first on a busy machine; the summary can wait.
  setPriority(0, 10);
} catch {
  // Not permitted here: still works, without the hint.
}

const { file, sql, parameters } = workerData;
let db;
try {
  db = new Database(file, { readonly: true, fileMustExist: true });
  // Mapping the file avoids a read call per page: about twice as fast on a table scan of a million rows.
  db.pragma('mmap_size = 2147483648');
  const rows = db
    .prepare(sql)
    .raw()
    .all(...parameters);
  parentPort.postMessage({ rows });
} catch (error) {
  parentPort.postMessage({ error: error instanceof Error ? error.message : String(error) });
} finally {
  db?.close();
}
