// The SQLite checkpointer thread (see wal-checkpointer.ts). Plain JavaScript so it runs the same under tsx, Jest and
// a build. Its own connection copies the write-ahead log into the database file, fsync included, away from the event
// loop; PASSIVE never waits for a reader or the writer, so it never holds up a request either.
import { parentPort, workerData } from 'node:worker_threads';
import SQLite from 'better-sqlite3';

const db = new SQLite(workerData.file, { fileMustExist: true });

function checkpoint() {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (error) {
    parentPort.postMessage({ error: error instanceof Error ? error.message : String(error) });
  }
}

const timer = setInterval(checkpoint, workerData.intervalMs);

parentPort.on('message', (message) => {
  if (message !== 'stop') return;
  clearInterval(timer);
  checkpoint();
  db.close();
  parentPort.close();
});
