import { readdirSync, readFileSync } from 'node:fs';

/** Nearest-rank percentile of unsorted samples (p in 0..100); NaN when there are none. */
export function percentile(samples: number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

export interface Summary {
  count: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export function summarize(samples: number[]): Summary {
  const count = samples.length;
  const mean = count ? samples.reduce((a, b) => a + b, 0) / count : Number.NaN;
  return {
    count,
    mean,
    p50: percentile(samples, 50),
    p90: percentile(samples, 90),
    p99: percentile(samples, 99),
    max: count ? Math.max(...samples) : Number.NaN,
  };
}

export function round(value: number, digits = 1): number {
  if (!Number.isFinite(value)) return value;
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

export interface ThreadCpu {
  tid: number;
  name: string;
  /** user + system CPU time in ms */
  ms: number;
  /** time spent runnable but waiting for a core, in ms (/proc/…/schedstat; 0 when unavailable) */
  waitMs: number;
  /** scheduling niceness (Homeroom's password-hashing threads lower their own priority) */
  nice: number;
}

/**
 * CPU time of every thread of a process, from /proc (Linux only; empty elsewhere). Thread id = pid is the main
 * thread, i.e. the event loop; libuv's thread pool (where argon2 runs) and V8's helpers are the others.
 */
export function threadCpu(pid: number): ThreadCpu[] {
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  const out: ThreadCpu[] = [];
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      // The name is in parentheses and may contain spaces; fields after it are space-separated.
      const open = stat.indexOf('(');
      const close = stat.lastIndexOf(')');
      const name = stat.slice(open + 1, close);
      const fields = stat.slice(close + 2).split(' ');
      // fields[0] is field 3 (state); utime is field 14, stime field 15.
      const ticks = Number(fields[11]) + Number(fields[12]);
      let waitMs = 0;
      try {
        waitMs = Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[1]) / 1e6 || 0;
      } catch {
        // no schedstat in this kernel
      }
      // nice is field 19.
      out.push({ tid: Number(tid), name, ms: (ticks * 1000) / TICKS_PER_SECOND, waitMs, nice: Number(fields[16]) });
    } catch {
      // the thread ended between readdir and read
    }
  }
  return out;
}

export interface CpuSplit {
  /** Main thread (event loop) CPU ms. */
  main: number;
  /** Main thread's time runnable but not running (waiting for a core), ms. */
  mainWait: number;
  /** All other threads (thread pool: argon2, plus V8 GC/compiler helpers). */
  others: number;
  total: number;
  byThread: ThreadCpu[];
}

export function cpuSplit(pid: number): CpuSplit {
  const threads = threadCpu(pid);
  const mainThread = threads.find((t) => t.tid === pid);
  const main = mainThread?.ms ?? 0;
  const total = threads.reduce((a, t) => a + t.ms, 0);
  return { main, mainWait: mainThread?.waitMs ?? 0, others: total - main, total, byThread: threads };
}

/** Difference of two snapshots, per thread and in total (threads that appeared in between count from zero). */
export function cpuDelta(before: CpuSplit, after: CpuSplit): CpuSplit {
  const prior = new Map(before.byThread.map((t) => [t.tid, t]));
  const byThread = after.byThread.map((t) => ({ ...t, ms: t.ms - (prior.get(t.tid)?.ms ?? 0), waitMs: t.waitMs - (prior.get(t.tid)?.waitMs ?? 0) }));
  const main = after.main - before.main;
  const total = byThread.reduce((a, t) => a + t.ms, 0);
  return { main, mainWait: after.mainWait - before.mainWait, others: total - main, total, byThread };
}

/** Busy time of the whole machine (all cores), from /proc/stat: [busy ms, total ms]. */
export function machineCpu(): { busy: number; total: number } {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
    const values = line.trim().split(/\s+/).slice(1).map(Number);
    const idle = values[3] + (values[4] ?? 0);
    const total = values.reduce((a, b) => a + b, 0);
    return { busy: ((total - idle) * 1000) / TICKS_PER_SECOND, total: (total * 1000) / TICKS_PER_SECOND };
  } catch {
    return { busy: Number.NaN, total: Number.NaN };
  }
}
