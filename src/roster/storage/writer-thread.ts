/**
 * The roster writer thread: holds an import's SQLite write transaction on a connection of its own and writes the
 * batches the planner sends (see ThreadWriteSession). Requests are handled one after another, in order; after a
 * failure every later request fails too, until the rollback.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { RosterWriter } from './writer.js';
import { KeyIndex } from '../key-index.js';
import { StoredUsers } from '../stored-users.js';
import type { EntityFile } from '../written-tables.js';
import type { FinishPlan, Row, RunResult, WriterContext } from '../ports.js';
import { openSqlite } from '../../store/sqlite-connection.js';
import { loadSqliteEnrollmentDigests, loadSqliteEnrollments, loadSqliteUsers, SqliteBulkOps } from './sqlite-ops.js';
import { beginRosterTransaction } from './sqlite-transaction.js';
import { recordRun } from './write-sessions.js';

const { file, context } = workerData as { file: string; context: WriterContext };
const port = parentPort!;
const db = openSqlite(file);
const ops = new SqliteBulkOps(db);
const progress = { phase: (name: string) => port.postMessage({ type: 'phase', name }), rows() {}, done() {} };
const writer = new RosterWriter(ops, { ...context, progress });
let failure: string | null = null;

type Request = { id: number; op: string; args: unknown };

/** A reply whose arrays move to the main thread instead of being copied. */
class Transfer {
  constructor(
    readonly value: unknown,
    readonly buffers: ArrayBuffer[],
  ) {}
}

const READS = new Set(['open', 'expectUsers', 'expectEnrollments', 'loadUsers', 'loadEnrollments']);

let begun = false;

async function handle({ op, args }: Request): Promise<unknown> {
  // The write lock is taken at the first write: an import that changes nothing holds it only to record itself.
  if (!READS.has(op) && !begun) {
    beginRosterTransaction(db);
    begun = true;
  }
  switch (op) {
    case 'open':
      return null;
    case 'loadUsers': {
      const users = new StoredUsers(args as number);
      loadSqliteUsers(db, users);
      loadSqliteEnrollmentDigests(db, users);
      const { parts, transfer } = users.parts();
      return new Transfer(parts, transfer);
    }
    case 'loadEnrollments': {
      const index = new KeyIndex(args as number);
      loadSqliteEnrollments(db, index);
      const { parts, transfer } = index.parts();
      return new Transfer(parts, transfer);
    }
    case 'expectUsers':
      return writer.expectUsers(args as number);
    case 'expectEnrollments':
      return writer.expectEnrollments(args as number);
    case 'entities': {
      const { file: entity, rows } = args as { file: EntityFile; rows: Row[] };
      return writer.entities(entity, rows);
    }
    case 'users':
      return writer.users(args as Row[]);
    case 'enrollmentInserts':
      return writer.enrollmentInserts(args as Row[]);
    case 'enrollmentUpdates':
      return writer.enrollmentUpdates(args as Row[]);
    case 'enrollmentLoads':
      return writer.enrollmentLoads(args as Row[]);
    case 'finishEnrollmentLoad':
      return writer.finishEnrollmentLoad();
    case 'finish':
      return writer.finish(args as FinishPlan);
    case 'finishRun':
      return recordRun(ops, args as RunResult);
    case 'commit':
      db.exec('COMMIT');
      db.close();
      return null;
    default:
      throw new Error(`unknown request ${op}`);
  }
}

let queue: Promise<void> = Promise.resolve();
port.on('message', (request: Request) => {
  queue = queue.then(async () => {
    if (request.op === 'rollback') {
      if (db.open && db.inTransaction) db.exec('ROLLBACK');
      if (db.open) db.close();
      port.postMessage({ type: 'done', id: request.id, value: null });
      return;
    }
    if (failure !== null) {
      port.postMessage({ type: 'failed', id: request.id, message: failure });
      return;
    }
    try {
      const value = await handle(request);
      if (value instanceof Transfer) port.postMessage({ type: 'done', id: request.id, value: value.value }, value.buffers);
      else port.postMessage({ type: 'done', id: request.id, value });
    } catch (error) {
      failure = error instanceof Error ? error.message : String(error);
      port.postMessage({ type: 'failed', id: request.id, message: failure });
    }
  });
});
