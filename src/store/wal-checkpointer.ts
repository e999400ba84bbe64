import type SQLite from 'better-sqlite3';
import { Worker } from 'node:worker_threads';
import type { Logger } from '../shared/log.js';

const WORKER_URL = new URL('./wal-checkpoint-worker.mjs', import.meta.url);

/** How often the thread copies the log into the database file: the log stays a few hundred pages at most. */
const INTERVAL_MS = 250;

/**
 * Pages the log may reach before the serving connection checkpoints it itself: only if the thread has stopped or
 * falls far behind (40 MB of 4 KiB pages), so the log can never grow without bound.
 */
const FALLBACK_PAGES = 10_000;

/** The log file is cut back to this size after a checkpoint has emptied it, instead of keeping its largest size. */
const LOG_SIZE_LIMIT_BYTES = 64 * 1024 * 1024;

export interface WalCheckpointer {
  stop(): Promise<void>;
}

/**
 * SQLite in WAL mode appends each write to a log, and by default the connection whose write makes the log reach 1,000
 * pages copies it back into the database file and syncs it to disk: a stall of the event loop in the middle of some
 * request, every few seconds of a sign-in surge. The server leaves that to a thread with its own connection; the
 * serving connection checkpoints only as a fallback.
 */
export function startWalCheckpointer(file: string, serving: SQLite.Database, log: Logger): WalCheckpointer {
  serving.pragma(`wal_autocheckpoint = ${FALLBACK_PAGES}`);
  serving.pragma(`journal_size_limit = ${LOG_SIZE_LIMIT_BYTES}`);
  const worker = new Worker(WORKER_URL, { workerData: { file, intervalMs: INTERVAL_MS } });
  let stopping = false;
  let running = true;
  worker.on('message', (message: { error?: string }) => {
    if (message.error) log.warn({ err: { message: message.error } }, 'WAL checkpoint failed; the next one will try again');
  });
  worker.on('error', (error) => log.error({ err: error }, 'the WAL checkpoint thread stopped: the serving connection checkpoints from now on'));
  const exited = new Promise<void>((resolve) =>
    worker.once('exit', () => {
      running = false;
      if (!stopping && serving.open) serving.pragma('wal_autocheckpoint = 1000');
      resolve();
    }),
  );
  // After the listeners: adding a 'message' listener refs the worker again, and a thread that runs must not keep the
  // process alive (a CLI command, or a test run, ends when its own work is done).
  worker.unref();
  return {
    async stop() {
      stopping = true;
      // A thread that already died is not waited for: its exit has been seen. One that runs keeps the process alive
      // until it has made its last checkpoint and closed its connection.
      if (running) {
        worker.ref();
        worker.postMessage('stop');
      }
      await exited;
    },
  };
}
