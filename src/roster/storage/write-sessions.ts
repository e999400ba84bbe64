import { Worker } from 'node:worker_threads';
import { RosterWriter } from './writer.js';
import { KeyIndex, type KeyIndexParts } from '../key-index.js';
import { StoredUsers, type StoredUsersParts } from '../stored-users.js';
import type { EntityFile } from '../written-tables.js';
import type { ApplyResult, FinishPlan, LoadedDuplicate, Row, RunResult, WriteSession, WriterContext } from '../ports.js';
import type { BulkOps } from './bulk-ops.js';
import type { Progress } from '../progress.js';

/** A run's result as roster_runs stores it. */
export function runColumns(run: RunResult) {
  return { finished_at: run.finishedAt, status: run.status, summary: JSON.stringify(run.summary), errors: JSON.stringify(run.errors) };
}

/** Records an applied run inside the import's transaction. */
export async function recordRun(ops: BulkOps, run: RunResult): Promise<void> {
  await ops.updateIn('roster_runs', runColumns(run), 'id', [run.id]);
}

export interface TransactionControl {
  /** Called before the first write (an import that changes nothing holds no write lock until its very end). */
  begin(): Promise<void>;
  commit(): Promise<void>;
  rollback(): Promise<void>;
}

/** A write session in this thread: the roster writer over the transaction's bulk operations. */
export class LocalWriteSession implements WriteSession {
  private readonly writer: RosterWriter;
  private begun = false;
  constructor(
    private readonly ops: BulkOps,
    context: WriterContext,
    progress: Progress,
    private readonly control: TransactionControl,
  ) {
    this.writer = new RosterWriter(ops, { ...context, progress });
  }
  private async writing(): Promise<RosterWriter> {
    if (!this.begun) await this.control.begin();
    this.begun = true;
    return this.writer;
  }
  expectUsers(rows: number): Promise<void> {
    return this.writer.expectUsers(rows);
  }
  expectEnrollments(rows: number): Promise<void> {
    return this.writer.expectEnrollments(rows);
  }
  async entities(file: EntityFile, rows: Row[]): Promise<void> {
    await (await this.writing()).entities(file, rows);
  }
  async users(rows: Row[]): Promise<void> {
    await (await this.writing()).users(rows);
  }
  async enrollmentInserts(rows: Row[]): Promise<void> {
    await (await this.writing()).enrollmentInserts(rows);
  }
  async enrollmentUpdates(rows: Row[]): Promise<void> {
    await (await this.writing()).enrollmentUpdates(rows);
  }
  async enrollmentLoads(rows: Row[]): Promise<void> {
    await (await this.writing()).enrollmentLoads(rows);
  }
  async finishEnrollmentLoad(): Promise<LoadedDuplicate[]> {
    return (await this.writing()).finishEnrollmentLoad();
  }
  async finish(plan: FinishPlan): Promise<ApplyResult> {
    return (await this.writing()).finish(plan);
  }
  async finishRun(run: RunResult): Promise<void> {
    await this.writing();
    await recordRun(this.ops, run);
  }
  commit(): Promise<void> {
    return this.control.commit();
  }
  rollback(): Promise<void> {
    return this.control.rollback();
  }
}

/** Batches sent and not yet written: enough to keep the writer busy, few enough to keep memory flat. */
const MAX_IN_FLIGHT = 16;

/**
 * A write session whose batches are queued rather than awaited one by one (a few at most in flight), for a database
 * in a process of its own: PostgreSQL writes one batch while this thread reads and checks the next. Awaited, the two
 * took turns: a first import of 200,000 students spent 22 s of its 44 s waiting for PostgreSQL. Batches are written in
 * the order sent; after a failure none is, and the failure surfaces at the next call (finish and commit wait for
 * everything before them).
 */
export class PipelinedWriteSession implements WriteSession {
  /** The last batch queued, settled (never rejects: a failure is kept in `failure`). */
  private tail: Promise<void> = Promise.resolve();
  private readonly inFlight: Promise<void>[] = [];
  private failure: unknown = null;

  constructor(private readonly inner: WriteSession) {}

  private async send(write: () => Promise<void>): Promise<void> {
    if (this.failure) throw this.failure;
    const written = this.tail.then(() => (this.failure ? undefined : write()));
    this.tail = written.catch((error: unknown) => {
      this.failure ??= error;
    });
    this.inFlight.push(this.tail);
    if (this.inFlight.length >= MAX_IN_FLIGHT) await this.inFlight.shift();
    if (this.failure) throw this.failure;
  }

  private async settle(): Promise<void> {
    await this.tail;
    this.inFlight.length = 0;
    if (this.failure) throw this.failure;
  }

  expectUsers(rows: number): Promise<void> {
    return this.send(() => this.inner.expectUsers(rows));
  }
  expectEnrollments(rows: number): Promise<void> {
    return this.send(() => this.inner.expectEnrollments(rows));
  }
  entities(file: EntityFile, rows: Row[]): Promise<void> {
    return this.send(() => this.inner.entities(file, rows));
  }
  users(rows: Row[]): Promise<void> {
    return this.send(() => this.inner.users(rows));
  }
  enrollmentInserts(rows: Row[]): Promise<void> {
    return this.send(() => this.inner.enrollmentInserts(rows));
  }
  enrollmentUpdates(rows: Row[]): Promise<void> {
    return this.send(() => this.inner.enrollmentUpdates(rows));
  }
  enrollmentLoads(rows: Row[]): Promise<void> {
    return this.send(() => this.inner.enrollmentLoads(rows));
  }
  async finishEnrollmentLoad(): Promise<LoadedDuplicate[]> {
    await this.settle();
    return this.inner.finishEnrollmentLoad();
  }
  async finish(plan: FinishPlan): Promise<ApplyResult> {
    await this.settle();
    return this.inner.finish(plan);
  }
  async finishRun(run: RunResult): Promise<void> {
    await this.settle();
    await this.inner.finishRun(run);
  }
  async commit(): Promise<void> {
    await this.settle();
    await this.inner.commit();
  }
  async rollback(): Promise<void> {
    await this.tail; // nothing is being written when the transaction ends
    await this.inner.rollback();
  }
}

const WORKER_URL = new URL('./writer-thread.mjs', import.meta.url);

interface Reply {
  type: 'ready' | 'done' | 'failed' | 'phase';
  id?: number;
  value?: unknown;
  message?: string;
  name?: string;
}

/**
 * A write session whose SQLite transaction lives in a worker thread with a connection of its own
 * (writer-thread.ts): while the writer inserts one batch and maintains its indexes, this thread already reads
 * and checks the next, so a large import uses both cores. Batches are sent without waiting for each to be written
 * (a few at most in flight); a failure surfaces at the next call, and finish/commit wait for everything before them.
 */
export class ThreadWriteSession implements WriteSession {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  private readonly inFlight: Promise<unknown>[] = [];
  private failure: Error | null = null;
  private closed = false;
  private exited = false;

  private constructor(
    private readonly worker: Worker,
    private readonly progress: Progress,
  ) {
    worker.on('message', (reply: Reply) => this.onReply(reply));
    worker.on('error', (error) => this.fail(error));
    worker.on('exit', (code) => {
      this.exited = true;
      if (!this.closed) this.fail(new Error(`the roster writer thread stopped (exit code ${code})`));
    });
  }

  /**
   * Starts the thread (its start-up, about a second of compiling, overlaps the first files' reading). It takes the
   * write lock at the first write, not before; a failure to start or to begin surfaces at the next call.
   */
  static open(file: string, context: WriterContext, progress: Progress, heapMb?: number): ThreadWriteSession {
    const worker = new Worker(WORKER_URL, { workerData: { file, context }, ...(heapMb ? { resourceLimits: { maxOldGenerationSizeMb: heapMb } } : {}) });
    const session = new ThreadWriteSession(worker, progress);
    void session.send('open', null);
    return session;
  }

  private onReply(reply: Reply): void {
    if (reply.type === 'phase') {
      this.progress.phase(reply.name!);
      return;
    }
    const waiting = this.pending.get(reply.id!);
    if (!waiting) return;
    this.pending.delete(reply.id!);
    if (reply.type === 'failed') waiting.reject(new Error(reply.message));
    else waiting.resolve(reply.value);
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const waiting of this.pending.values()) waiting.reject(error);
    this.pending.clear();
  }

  private request<T>(op: string, args: unknown): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    const reply = new Promise<T>((resolve, reject) => this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject }));
    this.worker.postMessage({ id, op, args });
    return reply;
  }

  /** Sends a batch without waiting for it to be written, unless too many are in flight already. */
  private async send(op: string, args: unknown): Promise<void> {
    const written = this.request(op, args);
    written.catch(() => undefined); // surfaces through the next call (the thread fails every later request too)
    this.inFlight.push(written);
    if (this.inFlight.length >= MAX_IN_FLIGHT) await this.inFlight.shift();
  }

  private async settle(): Promise<void> {
    while (this.inFlight.length) await this.inFlight.shift();
  }

  // Not awaited: the thread may still be reading the stored enrollments (see loadEnrollments), and requests run in order.
  expectUsers(rows: number): Promise<void> {
    return this.send('expectUsers', rows);
  }
  expectEnrollments(rows: number): Promise<void> {
    return this.send('expectEnrollments', rows);
  }
  entities(file: EntityFile, rows: Row[]): Promise<void> {
    return this.send('entities', { file, rows });
  }
  users(rows: Row[]): Promise<void> {
    return this.send('users', rows);
  }
  enrollmentInserts(rows: Row[]): Promise<void> {
    return this.send('enrollmentInserts', rows);
  }
  enrollmentUpdates(rows: Row[]): Promise<void> {
    return this.send('enrollmentUpdates', rows);
  }
  enrollmentLoads(rows: Row[]): Promise<void> {
    return this.send('enrollmentLoads', rows);
  }
  async finishEnrollmentLoad(): Promise<LoadedDuplicate[]> {
    await this.settle();
    return this.request<LoadedDuplicate[]>('finishEnrollmentLoad', null);
  }
  // Read by the thread before it writes anything (requests run in order), while this thread reads the other files.
  async loadUsers(expected: number): Promise<StoredUsers> {
    return StoredUsers.fromParts(await this.request<StoredUsersParts>('loadUsers', expected));
  }
  async loadEnrollments(expected: number): Promise<KeyIndex> {
    return KeyIndex.fromParts(await this.request<KeyIndexParts>('loadEnrollments', expected));
  }
  async finish(plan: FinishPlan): Promise<ApplyResult> {
    await this.settle();
    return this.request<ApplyResult>('finish', plan);
  }
  async finishRun(run: RunResult): Promise<void> {
    await this.request('finishRun', run);
  }
  async commit(): Promise<void> {
    await this.settle();
    await this.request('commit', null);
    await this.stop();
  }
  async rollback(): Promise<void> {
    // Whatever failed before, the transaction must end: a rollback request, else the thread is stopped (which
    // closes its connection, and SQLite undoes an open transaction).
    this.inFlight.length = 0;
    if (!this.exited) {
      this.failure = null;
      await this.request('rollback', null).catch(() => undefined);
    }
    await this.stop();
  }

  private async stop(): Promise<void> {
    this.closed = true;
    await this.worker.terminate();
  }
}
