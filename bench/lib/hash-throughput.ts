/**
 * Raw argon2id throughput with Homeroom's own PasswordHasher and configured parameters, in a process of its own
 * (forked by bench/login.ts, so the bench client's event loop does not compete with it).
 *
 *   node --import tsx bench/lib/hash-throughput.ts '{"concurrency":8,"seconds":5,"mode":"hash"}'
 *
 * Keeps `concurrency` operations in flight for `seconds` and reports completed operations per second. "verify"
 * checks a stored hash, which is what a login does and costs the same as "hash".
 */
import { PasswordHasher, type HashParams } from '../../src/accounts/passwords.js';
import { loadConfig } from '../../src/config/load.js';
import { machineCpu } from './stats.js';

export interface HashThroughputOptions {
  concurrency: number;
  seconds: number;
  mode: 'hash' | 'verify';
  params?: HashParams;
}

export interface HashThroughputResult {
  mode: 'hash' | 'verify';
  params: HashParams;
  concurrency: number;
  threadpool: number;
  operations: number;
  seconds: number;
  perSecond: number;
  latencyMs: { p50: number; p99: number };
  /** this process's CPU during the timed part */
  cpuMs: number;
  /** CPU busy time of the whole machine (all processes, all cores) during the timed part */
  machineBusyMs: number;
}

export async function measureHashThroughput(options: HashThroughputOptions): Promise<HashThroughputResult> {
  // The whole config section, exactly as the server's createServices() hands it to PasswordHasher.
  const configured = options.params ?? loadConfig(process.env).passwords;
  const hasher = new PasswordHasher(configured);
  const params: HashParams = { memoryCost: configured.memoryCost, timeCost: configured.timeCost, parallelism: configured.parallelism };
  const password = 'correct horse battery staple';
  const stored = await hasher.hash(password);
  const op: () => Promise<unknown> = options.mode === 'verify' ? () => hasher.verify(stored, password) : () => hasher.hash(password);

  // Warm up: every thread-pool thread allocates its argon2 memory once.
  await Promise.all(Array.from({ length: options.concurrency }, op));

  const latencies: number[] = [];
  let operations = 0;
  const cpuBefore = process.cpuUsage();
  const machineBefore = machineCpu();
  const started = performance.now();
  const deadline = started + options.seconds * 1000;
  let finished = started;
  async function lane(): Promise<void> {
    while (performance.now() < deadline) {
      const t0 = performance.now();
      await op();
      const t1 = performance.now();
      latencies.push(t1 - t0);
      operations += 1;
      finished = Math.max(finished, t1);
    }
  }
  await Promise.all(Array.from({ length: options.concurrency }, lane));
  const cpu = process.cpuUsage(cpuBefore);
  const machineAfter = machineCpu();
  const seconds = (finished - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (p: number) => latencies[Math.min(latencies.length - 1, Math.max(0, Math.ceil(p * latencies.length) - 1))];
  return {
    mode: options.mode,
    params,
    concurrency: options.concurrency,
    threadpool: Number(process.env.UV_THREADPOOL_SIZE || 4),
    operations,
    seconds,
    perSecond: operations / seconds,
    latencyMs: { p50: at(0.5), p99: at(0.99) },
    cpuMs: (cpu.user + cpu.system) / 1000,
    machineBusyMs: machineAfter.busy - machineBefore.busy,
  };
}

// Run as a script (forked or by hand): options from argv[2] as JSON; the result goes to the parent over IPC, or stdout.
const isMain = process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/').split('/').pop()!);
if (isMain) {
  const options = { concurrency: 8, seconds: 5, mode: 'hash', ...JSON.parse(process.argv[2] ?? '{}') } as HashThroughputOptions;
  measureHashThroughput(options).then(
    (result) => {
      if (process.send) process.send(result, () => process.exit(0));
      else {
        process.stdout.write(`${JSON.stringify(result)}\n`);
        process.exit(0);
      }
    },
    (error) => {
      process.stderr.write(`${(error as Error).stack ?? error}\n`);
      process.exit(1);
    },
  );
}
