import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

interface Task {
  id: number;
  op: 'hash' | 'verify' | 'verifyBcrypt';
  args: Record<string, unknown>;
  resolve(value: unknown): void;
  reject(error: Error): void;
}

interface Slot {
  worker: Worker;
  task: Task | null;
}

const WORKER_URL = new URL('./hash-worker.mjs', import.meta.url);

/**
 * A fixed set of low-priority threads that hash and verify passwords, one task at a time each, so that a burst of
 * logins queues here instead of starving the event loop (and /healthz, and everyone else's pages) of CPU.
 */
export class HashPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Task[] = [];
  private nextId = 1;
  private closed = false;

  constructor(private readonly size = availableParallelism()) {}

  private spawn(): Slot {
    const slot: Slot = { worker: new Worker(WORKER_URL), task: null };
    slot.worker.unref();
    slot.worker.on('message', (message: { id: number; result?: unknown; error?: string }) => {
      const task = slot.task;
      slot.task = null;
      // An idle worker must not keep the process alive (a CLI command ends when its work is done).
      slot.worker.unref();
      if (task && task.id === message.id) {
        if (message.error !== undefined) task.reject(new Error(message.error));
        else task.resolve(message.result);
      }
      this.pump();
    });
    slot.worker.on('error', (error) => this.replace(slot, error));
    slot.worker.on('exit', (code) => {
      if (!this.closed) this.replace(slot, new Error(`hash worker exited with code ${code}`));
    });
    return slot;
  }

  private replace(slot: Slot, error: Error): void {
    const index = this.slots.indexOf(slot);
    if (index === -1) return;
    this.slots.splice(index, 1);
    slot.task?.reject(error);
    slot.task = null;
    if (!this.closed) this.pump();
  }

  private pump(): void {
    while (this.queue.length > 0) {
      let slot = this.slots.find((s) => s.task === null);
      if (!slot && this.slots.length < this.size) {
        slot = this.spawn();
        this.slots.push(slot);
      }
      if (!slot) return;
      const task = this.queue.shift()!;
      slot.task = task;
      // A busy worker keeps the process alive until its task is done.
      slot.worker.ref();
      slot.worker.postMessage({ id: task.id, op: task.op, args: task.args });
    }
  }

  run<T>(op: Task['op'], args: Record<string, unknown>): Promise<T> {
    if (this.closed) return Promise.reject(new Error('hash pool closed'));
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ id: this.nextId++, op, args, resolve: resolve as (v: unknown) => void, reject });
      this.pump();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
    this.slots.length = 0;
  }
}
