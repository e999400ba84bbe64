/**
 * Sign-in bench (`npm run bench:login -- [--concurrency 1,4,16] [--duration 10] [--rounds 3] …`).
 *
 * Starts, side by side on this machine, a bare node-oidc-provider (bench/lib/bare-provider.ts: its in-memory
 * adapter, the simplest username+password interaction, the same argon2id library and parameters) and Homeroom on
 * SQLite, and on PostgreSQL too when a database URL is given (--database-url, else TEST_DATABASE_URL; a throw-away
 * schema is created and dropped). Each is driven with full authorization-code flows (authorize → username page →
 * username → password page → password → code → token with the client's secret, a fresh browser each) by
 * `concurrency` virtual users for `duration` seconds, while another process probes GET /healthz. Configurations
 * take turns within each round, so a burst of someone else's work on this shared machine hits all of them alike.
 *
 * Prints flows/s (min and median of the rounds), Homeroom's ratio to the bare library, the server's CPU per login
 * split into hash (the password-hashing threads), event loop and the rest, the database statements per login (each
 * one a round trip on PostgreSQL), the /healthz p99 during the surge, and raw argon2id throughput with the server
 * idle. Targets are reported, never asserted: the exit code is non-zero only when the bench itself broke (a login
 * failed, a server did not start …). The last line of output is JSON.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { loadConfig } from '../src/config/load.js';
import { PasswordHasher } from '../src/accounts/passwords.js';
import type { BareOptions } from './lib/bare-provider.js';
import type { HashThroughputResult } from './lib/hash-throughput.js';
import type { ProbeResult } from './lib/healthz-probe.js';
import { HttpClient } from './lib/http.js';
import { loginOnce, STEPS, type LoginTarget } from './lib/login-flow.js';
import { analyzeProfile, type ProfileReport } from './lib/profile.js';
import { freePort, prepareDatabase } from './lib/setup.js';
import { cpuDelta, cpuSplit, machineCpu, round, summarize, type CpuSplit } from './lib/stats.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const HEALTHZ_TARGET_MS = 50;
const BARE_RATIO_TARGET = 0.9;
const POSTGRES_RATIO_TARGET = 0.8;
const BEYOND_HASH_TARGET_MS = 6;
/** Sequential logins whose database statements are counted (no probe running, so only logins are counted). */
const COUNTED_LOGINS = 10;

function parseOptions() {
  return parseArgs({
    options: {
      duration: { type: 'string', default: '10' },
      concurrency: { type: 'string', default: '1,4,16' },
      rounds: { type: 'string', default: '1' },
      servers: { type: 'string' },
      'database-url': { type: 'string' },
      accounts: { type: 'string', default: '200' },
      'hash-seconds': { type: 'string', default: '5' },
      'probe-interval': { type: 'string', default: '50' },
      warmup: { type: 'string', default: '3' },
      threadpool: { type: 'string' },
      'server-import': { type: 'string', multiple: true },
      profile: { type: 'boolean', default: false },
      'profile-out': { type: 'string' },
      'profile-areas': { type: 'string', default: '14' },
      verbose: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
}

let parsed: ReturnType<typeof parseOptions>;
try {
  parsed = parseOptions();
} catch (error) {
  process.stderr.write(`${(error as Error).message}\nTry --help.\n`);
  process.exit(2);
}
const args = parsed.values;

if (args.help) {
  process.stdout.write(`Usage: npm run bench:login -- [options]
  --concurrency <list>    concurrent virtual users, one surge each (default 1,4,16)
  --duration <s>          length of each surge (default 10)
  --rounds <n>            repeat every configuration n times, taking turns; figures are min and median (default 1)
  --servers <list>        among bare, sqlite, postgres (default: all three; postgres only with a database URL)
  --database-url <url>    PostgreSQL for the postgres server (default: TEST_DATABASE_URL); a fresh schema is used
  --accounts <n>          distinct bench accounts, so per-account throttling never applies (default 200)
  --hash-seconds <s>      length of each raw argon2 measurement, server idle (default 5)
  --probe-interval <ms>   GET /healthz period during each surge (default 50)
  --warmup <s>            logins before measuring, to warm the JIT and caches (default 3)
  --threadpool <n>        UV_THREADPOOL_SIZE for the servers and the raw measurement (default: inherited, else 4)
  --server-import <file>  experiment: preload a module into the Homeroom servers (repeatable)
  --profile               run the servers with --cpu-prof and show where their event loop spent the
                          highest-concurrency surge of the last round
  --profile-out <dir>     with --profile, also keep each server's .cpuprofile there (for a profile viewer)
  --profile-areas <n>     with --profile, how many areas to list (default 14)
  --verbose               pass the servers' output through; list the statements a login sends
`);
  process.exit(0);
}

function positive(name: string, value: string | undefined): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) {
    process.stderr.write(`--${name}: expected a positive number, got ${value}\n`);
    process.exit(2);
  }
  return n;
}

type ServerKind = 'bare' | 'sqlite' | 'postgres';
const SERVER_LABEL: Record<ServerKind, string> = { bare: 'bare node-oidc-provider', sqlite: 'Homeroom, SQLite', postgres: 'Homeroom, PostgreSQL' };

const durationS = positive('duration', args.duration);
const levels = args.concurrency.split(',').map((c) => Math.round(positive('concurrency', c)));
const rounds = Math.round(positive('rounds', args.rounds));
const accountCount = Math.round(positive('accounts', args.accounts));
const hashSeconds = positive('hash-seconds', args['hash-seconds']);
const probeIntervalMs = positive('probe-interval', args['probe-interval']);
const warmupS = Number(args.warmup) || 0;
const databaseUrl = args['database-url'] ?? process.env.TEST_DATABASE_URL ?? null;
const cores = availableParallelism();
const kinds: ServerKind[] = (args.servers?.split(',') ?? ['bare', 'sqlite', ...(databaseUrl ? ['postgres'] : [])]).map((kind) => {
  if (kind !== 'bare' && kind !== 'sqlite' && kind !== 'postgres') {
    process.stderr.write(`--servers: unknown server ${kind}\n`);
    process.exit(2);
  }
  if (kind === 'postgres' && !databaseUrl) {
    process.stderr.write('--servers postgres needs --database-url or TEST_DATABASE_URL\n');
    process.exit(2);
  }
  return kind;
});

// ---------------------------------------------------------------------------------------------------------------
// Children and cleanup

const children = new Set<ChildProcess>();
let tempDir: string | null = null;
let pgSchema: string | null = null;
let cleanedUp = false;

async function dropSchema(): Promise<void> {
  if (!pgSchema || !databaseUrl) return;
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${pgSchema}" CASCADE`);
    pgSchema = null;
  } finally {
    await client.end();
  }
}

function cleanup(): void {
  if (cleanedUp) return;
  cleanedUp = true;
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  if (tempDir) rmSync(tempDir, { recursive: true, force: true });
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    process.stderr.write(`\n${signal}: stopping the servers and removing ${tempDir ?? 'nothing'}\n`);
    cleanup();
    void dropSchema().finally(() => process.exit(130));
  });
}
process.on('exit', cleanup);

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

function forkTs(file: string, argv: string[], env: NodeJS.ProcessEnv): ChildProcess {
  const child = fork(join(ROOT, file), argv, { cwd: ROOT, env, execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

function nextMessage<T>(child: ChildProcess, what: string): Promise<T> {
  return new Promise((resolvePromise, reject) => {
    const onExit = (code: number | null) => reject(new Error(`${what} exited (code ${code}) before answering`));
    child.once('exit', onExit);
    child.once('message', (message) => {
      child.off('exit', onExit);
      resolvePromise(message as T);
    });
  });
}

function waitExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolvePromise) => {
    const timer = setTimeout(() => resolvePromise(false), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolvePromise(true);
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function fmt(value: number, digits = 1): string {
  return Number.isFinite(value) ? value.toFixed(digits) : 'n/a';
}

const median = (values: number[]) => summarize(values).p50;
const min = (values: number[]) => (values.length ? Math.min(...values) : Number.NaN);

// ---------------------------------------------------------------------------------------------------------------
// Raw argon2

interface RawHash extends HashThroughputResult {
  /** machine-wide busy CPU during the measurement that was not this measurement (other engineers' work) */
  backgroundCores: number;
}

async function measureRawHash(env: NodeJS.ProcessEnv, concurrency: number): Promise<RawHash> {
  const child = forkTs('bench/lib/hash-throughput.ts', [JSON.stringify({ concurrency, seconds: hashSeconds, mode: 'verify' })], env);
  const result = await nextMessage<HashThroughputResult>(child, 'the raw hash measurement');
  await waitExit(child, 5000);
  const backgroundMs = result.machineBusyMs - result.cpuMs;
  return { ...result, backgroundCores: Math.max(0, backgroundMs / (result.seconds * 1000)) };
}

// ---------------------------------------------------------------------------------------------------------------
// Servers

interface MonitorReport {
  loop: { p50: number; p99: number; max: number; mean: number; utilization: number };
  statements: Record<string, number>;
}

interface RunningServer {
  kind: ServerKind;
  pid: number;
  process: ChildProcess;
  target: LoginTarget;
  usernames: string[];
  password: string;
  monitorFile: string;
  profileDir: string | null;
  output: string[];
  /** Statements per login, by SQL text (counted over COUNTED_LOGINS sequential logins). */
  statements: Record<string, number>;
}

async function startServer(kind: ServerKind, baseEnv: NodeJS.ProcessEnv, hashEnv: NodeJS.ProcessEnv): Promise<RunningServer> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const redirectUri = `${base}/bench-cb`;
  const dir = join(tempDir!, kind);
  mkdirSync(dir, { recursive: true });
  const monitorFile = join(dir, 'monitor.json');
  const profileDir = args.profile ? join(dir, 'profile') : null;
  const env: NodeJS.ProcessEnv = { ...baseEnv, PORT: String(port), HOMEROOM_ISSUER: base, HOMEROOM_DATA_DIR: join(dir, 'data'), HOMEROOM_BENCH_MONITOR_FILE: monitorFile };
  if (kind === 'postgres') {
    pgSchema = `bench_login_${randomBytes(4).toString('hex')}`;
    const configFile = join(dir, 'homeroom.yaml');
    writeFileSync(configFile, `database:\n  url: ${JSON.stringify(databaseUrl)}\n  schema: ${pgSchema}\n`);
    env.HOMEROOM_CONFIG = configFile;
  }
  const nodeFlags = [`--import=${pathToFileURL(join(ROOT, 'bench', 'lib', 'server-monitor.mjs')).href}`];

  let target: LoginTarget;
  let usernames: string[];
  let password: string;
  let argv: string[];
  if (kind === 'bare') {
    password = 'bench-password-0123';
    usernames = Array.from({ length: accountCount }, (_, i) => `bench${i}`);
    const hasher = new PasswordHasher(loadConfig(hashEnv).passwords);
    const options: BareOptions = {
      port,
      issuer: base,
      clientId: 'bench',
      clientSecret: randomBytes(24).toString('base64url'),
      redirectUri,
      usernames,
      passwordHash: await hasher.hash(password),
    };
    target = { base, clientId: options.clientId, clientSecret: options.clientSecret, redirectUri };
    argv = [...nodeFlags, '--import', 'tsx', join(ROOT, 'bench', 'lib', 'bare-provider.ts'), JSON.stringify(options)];
  } else {
    log(`${SERVER_LABEL[kind]}: preparing ${accountCount} accounts and a client …`);
    const setup = await prepareDatabase(env, accountCount, redirectUri);
    if (!setup.clientSecret) throw new Error('the bench client has no secret');
    target = { base, clientId: setup.clientId, clientSecret: setup.clientSecret, redirectUri };
    usernames = setup.usernames;
    password = setup.password;
    nodeFlags.push(...(args['server-import'] ?? []).map((file) => `--import=${pathToFileURL(resolve(file)).href}`));
    argv = [...nodeFlags, join(ROOT, 'bin', 'homeroom.js'), 'start'];
  }

  if (profileDir) argv.unshift('--cpu-prof', `--cpu-prof-dir=${profileDir}`, '--cpu-prof-interval=500');
  const child = spawn(process.execPath, argv, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  const output: string[] = [];
  const keep = (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    if (args.verbose) process.stderr.write(`[${kind}] ${text}`);
    output.push(text);
    if (output.length > 200) output.shift();
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  let exited = false;
  child.once('exit', () => (exited = true));

  const http = new HttpClient(base, 2);
  const startedAt = performance.now();
  for (;;) {
    if (exited) throw new Error(`${SERVER_LABEL[kind]} exited during start-up:\n${output.join('')}`);
    if (performance.now() - startedAt > 60_000) throw new Error(`${SERVER_LABEL[kind]} did not answer /healthz within 60 s:\n${output.join('')}`);
    const reply = await http.send('GET', '/healthz', null, undefined, false, 2000).catch(() => null);
    if (reply?.status === 200) break;
    await sleep(100);
  }
  http.close();
  log(`${SERVER_LABEL[kind]}: pid ${child.pid} ready on ${base} after ${fmt((performance.now() - startedAt) / 1000)} s`);
  return { kind, pid: child.pid!, process: child, target, usernames, password, monitorFile, profileDir, output, statements: {} };
}

async function readMonitor(server: RunningServer): Promise<MonitorReport> {
  for (let i = 0; i < 50; i += 1) {
    await sleep(100);
    try {
      const report = JSON.parse(readFileSync(server.monitorFile, 'utf8')) as MonitorReport;
      rmSync(server.monitorFile);
      return report;
    } catch {
      // not written yet
    }
  }
  throw new Error(`${SERVER_LABEL[server.kind]} wrote no monitor report`);
}

// ---------------------------------------------------------------------------------------------------------------
// Surges

interface SurgeResult {
  okMs: number[];
  stepMs: number[][];
  failures: Map<string, number>;
  failed: number;
  elapsedMs: number;
  startUs: number;
  endUs: number;
}

async function surge(server: RunningServer, seconds: number, users: number, limit = Infinity): Promise<SurgeResult> {
  const http = new HttpClient(server.target.base, users + 4); // fresh connections: none left idle since the last surge
  const okMs: number[] = [];
  const stepMs: number[][] = STEPS.map(() => []);
  const failures = new Map<string, number>();
  let failed = 0;
  let next = 0;
  const startUs = Number(process.hrtime.bigint() / 1000n);
  const started = performance.now();
  const deadline = started + seconds * 1000;
  let lastDone = started;
  async function virtualUser(): Promise<void> {
    while (performance.now() < deadline && next < limit) {
      const username = server.usernames[next % server.usernames.length];
      next += 1;
      const result = await loginOnce(http, server.target, username, server.password);
      lastDone = performance.now();
      if (result.ok) {
        okMs.push(result.ms);
        result.stepMs.forEach((ms, i) => stepMs[i].push(ms));
      } else {
        failed += 1;
        failures.set(result.error, (failures.get(result.error) ?? 0) + 1);
        if (failed === 1 && args.verbose) log(`first failure: ${result.error}`);
      }
    }
  }
  await Promise.all(Array.from({ length: users }, virtualUser));
  const endUs = Number(process.hrtime.bigint() / 1000n);
  http.close();
  return { okMs, stepMs, failures, failed, elapsedMs: lastDone - started, startUs, endUs };
}

interface Measurement {
  kind: ServerKind;
  concurrency: number;
  round: number;
  flows: number;
  failed: number;
  failures: Map<string, number>;
  flowsPerSecond: number;
  latency: ReturnType<typeof summarize>;
  stepMeanMs: number[];
  /** server CPU per login, ms */
  cpu: { hash: number; loop: number; rest: number; total: number; beyondHash: number };
  clientMsPerLogin: number;
  mainWaitPct: number;
  machineIdlePct: number;
  backgroundCores: number;
  healthz: ReturnType<typeof summarize> & { errors: number };
  loop: MonitorReport['loop'];
  window: { fromUs: number; toUs: number };
}

/**
 * Homeroom's password hashing runs on worker threads that lower their own priority (src/accounts/hash-worker.mjs):
 * those are the hash. The bare library verifies on libuv's thread pool, whose threads are then the busiest ones
 * besides the event loop.
 */
function hashThreads(delta: CpuSplit, pid: number, threadpool: number): number {
  const main = delta.byThread.find((t) => t.tid === pid);
  const others = delta.byThread.filter((t) => t.tid !== pid);
  const lowered = others.filter((t) => main && t.nice > main.nice);
  if (lowered.length > 0) return lowered.reduce((a, t) => a + t.ms, 0);
  return others
    .sort((a, b) => b.ms - a.ms)
    .slice(0, threadpool)
    .reduce((a, t) => a + t.ms, 0);
}

async function measure(server: RunningServer, concurrency: number, roundNo: number, probe: ChildProcess, threadpool: number): Promise<Measurement> {
  probe.send({ cmd: 'start', base: server.target.base, intervalMs: probeIntervalMs });
  await nextMessage<{ ready: true }>(probe, 'the /healthz probe');
  server.process.kill('SIGUSR2');
  const server0 = cpuSplit(server.pid);
  const probe0 = cpuSplit(probe.pid!);
  const client0 = process.cpuUsage();
  const machine0 = machineCpu();
  const result = await surge(server, durationS, concurrency);
  const machine1 = machineCpu();
  const clientCpu = process.cpuUsage(client0);
  const serverCpu = cpuDelta(server0, cpuSplit(server.pid));
  const probeMs = cpuDelta(probe0, cpuSplit(probe.pid!)).total;
  server.process.kill('SIGUSR2');
  const monitor = await readMonitor(server);
  const probeDone = nextMessage<ProbeResult>(probe, 'the /healthz probe');
  probe.send({ cmd: 'stop' });
  const probeResult = await probeDone;

  const ok = result.okMs.length;
  const wallMs = result.elapsedMs;
  if (args.verbose) {
    const busy = serverCpu.byThread.filter((t) => t.ms >= 50).sort((a, b) => b.ms - a.ms);
    log(
      `  ${SERVER_LABEL[server.kind]} threads: ${busy.map((t) => `${t.tid === server.pid ? 'main' : t.tid} nice ${t.nice} ${fmt(t.ms / Math.max(1, ok), 2)} ms/flow`).join(', ')}`,
    );
  }
  const perLogin = (ms: number) => (ok ? ms / ok : Number.NaN);
  const hashMs = hashThreads(serverCpu, server.pid, threadpool);
  const clientMs = (clientCpu.user + clientCpu.system) / 1000;
  const machineBusyMs = machine1.busy - machine0.busy;
  return {
    kind: server.kind,
    concurrency,
    round: roundNo,
    flows: ok,
    failed: result.failed,
    failures: result.failures,
    flowsPerSecond: ok / (wallMs / 1000),
    latency: summarize(result.okMs),
    stepMeanMs: result.stepMs.map((samples) => summarize(samples).mean),
    cpu: {
      hash: perLogin(hashMs),
      loop: perLogin(serverCpu.main),
      rest: perLogin(serverCpu.total - serverCpu.main - hashMs),
      total: perLogin(serverCpu.total),
      beyondHash: perLogin(serverCpu.total - hashMs),
    },
    clientMsPerLogin: perLogin(clientMs),
    mainWaitPct: (100 * serverCpu.mainWait) / wallMs,
    machineIdlePct: (100 * Math.max(0, cores * wallMs - machineBusyMs)) / (cores * wallMs),
    backgroundCores: Math.max(0, machineBusyMs - serverCpu.total - clientMs - probeMs) / wallMs,
    healthz: { ...summarize(probeResult.samples), errors: probeResult.errors.length },
    loop: monitor.loop,
    window: { fromUs: result.startUs, toUs: result.endUs },
  };
}

// ---------------------------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  tempDir = mkdtempSync(join(tmpdir(), 'homeroom-bench-'));
  const baseEnv: NodeJS.ProcessEnv = { ...process.env, HOMEROOM_DEMO: '0', LOG_LEVEL: 'warn', NODE_ENV: 'production' };
  delete baseEnv.DATABASE_URL; // SQLite unless the postgres server's own configuration file says otherwise
  delete baseEnv.HOMEROOM_CONFIG;
  delete baseEnv.NODE_OPTIONS; // no inherited loaders/inspectors in the children
  if (args.threadpool) baseEnv.UV_THREADPOOL_SIZE = String(Math.round(positive('threadpool', args.threadpool)));
  const threadpool = Number(baseEnv.UV_THREADPOOL_SIZE || 4);
  const hashEnv = { ...baseEnv, HOMEROOM_DATA_DIR: join(tempDir, 'hash') };
  const params = loadConfig(hashEnv).passwords;
  const peak = Math.max(...levels);

  log(`homeroom sign-in bench: ${cores} cores, servers ${kinds.join(', ')}, concurrency ${levels.join('/')}, ${durationS} s each, ${rounds} round(s)`);
  log(`raw argon2id verifications (m=${params.memoryCost} KiB, t=${params.timeCost}, p=${params.parallelism}), ${peak} in flight for ${hashSeconds} s, nothing else running …`);
  const rawBefore = await measureRawHash(hashEnv, peak);
  log(`  ${fmt(rawBefore.perSecond)} /s`);

  const servers: RunningServer[] = [];
  for (const kind of kinds) servers.push(await startServer(kind, baseEnv, hashEnv));

  // Warm-up (JIT, prepared statements, connection pools), which is also a smoke test of each flow; then the
  // statements of a few sequential logins, counted with nothing else running.
  for (const server of servers) {
    const warm = await surge(server, warmupS, peak);
    log(`${SERVER_LABEL[server.kind]}: warm-up ${warm.okMs.length} flows, ${warm.failed} failed`);
    if (warm.okMs.length === 0) {
      log('every warm-up flow failed; the bench is broken:');
      for (const [message, count] of warm.failures) log(`  ${count} × ${message}`);
      log(server.output.join('').slice(-4000));
      return 1;
    }
    server.process.kill('SIGUSR2');
    const counted = await surge(server, 60, 1, COUNTED_LOGINS);
    server.process.kill('SIGUSR2');
    const { statements } = await readMonitor(server);
    const n = counted.okMs.length || Number.NaN;
    server.statements = Object.fromEntries(Object.entries(statements).map(([text, count]) => [text, count / n]));
  }

  const probe = forkTs('bench/lib/healthz-probe.ts', [], baseEnv);
  const measurements: Measurement[] = [];
  for (let r = 1; r <= rounds; r += 1) {
    for (const concurrency of levels) {
      for (const server of servers) {
        log(`round ${r}/${rounds}, ${concurrency} at once: ${SERVER_LABEL[server.kind]} …`);
        const m = await measure(server, concurrency, r, probe, threadpool);
        measurements.push(m);
        log(
          `  ${fmt(m.flowsPerSecond)} flows/s, ${fmt(m.cpu.beyondHash)} ms CPU per login beyond the hash, /healthz p99 ${fmt(m.healthz.p99)} ms${m.failed ? `, ${m.failed} FAILED` : ''}`,
        );
      }
    }
  }
  probe.disconnect();

  log(`raw argon2id again, servers idle …`);
  const rawAfter = await measureRawHash(hashEnv, peak);
  log(`  ${fmt(rawAfter.perSecond)} /s`);

  for (const server of servers) server.process.kill('SIGINT');
  await Promise.all(servers.map(async (s) => (await waitExit(s.process, 15_000)) || s.process.kill('SIGKILL')));
  await dropSchema();

  // --- figures ---------------------------------------------------------------------------------------------------
  const rawBest = rawAfter.perSecond > rawBefore.perSecond ? rawAfter : rawBefore;
  const hashCpuMs = rawBest.cpuMs / rawBest.operations;
  const pick = (kind: ServerKind, concurrency: number) => measurements.filter((m) => m.kind === kind && m.concurrency === concurrency);
  /** Homeroom ÷ reference per round (neighbours in time), then the median of those. */
  const ratioOf = (kind: ServerKind, reference: ServerKind, concurrency: number) => {
    const ours = pick(kind, concurrency);
    const theirs = pick(reference, concurrency);
    return median(ours.map((m) => m.flowsPerSecond / (theirs.find((t) => t.round === m.round)?.flowsPerSecond ?? Number.NaN)));
  };
  const statementsPerLogin = (server: RunningServer) => Object.values(server.statements).reduce((a, b) => a + b, 0);

  const lines: string[] = [];
  lines.push('');
  lines.push(`Homeroom sign-in bench — ${new Date().toISOString()}`);
  lines.push(
    `  ${cores} cores, node ${process.version}, argon2id m=${params.memoryCost} t=${params.timeCost} p=${params.parallelism}; full code flow + token request, fresh browser each`,
  );
  lines.push(
    `  ${durationS} s per surge, ${rounds} round(s), ${accountCount} accounts; raw argon2id ${fmt(rawBest.perSecond)} verifications/s with ${peak} in flight (${fmt(rawBefore.perSecond)} before, ${fmt(rawAfter.perSecond)} after), ${fmt(hashCpuMs)} ms CPU each`,
  );
  lines.push('');
  const header = ['server', 'conc', 'flows/s min/med', 'p50 ms', 'CPU/login ms', 'hash', 'loop', 'rest', 'beyond hash', 'healthz p99', 'idle %', 'bg cores'];
  const table: string[][] = [header];
  for (const concurrency of levels) {
    for (const server of servers) {
      const ms = pick(server.kind, concurrency);
      const med = (f: (m: Measurement) => number) => median(ms.map(f));
      table.push([
        SERVER_LABEL[server.kind],
        String(concurrency),
        `${fmt(min(ms.map((m) => m.flowsPerSecond)))} / ${fmt(med((m) => m.flowsPerSecond))}`,
        fmt(
          med((m) => m.latency.p50),
          0,
        ),
        fmt(med((m) => m.cpu.total)),
        fmt(med((m) => m.cpu.hash)),
        fmt(med((m) => m.cpu.loop)),
        fmt(med((m) => m.cpu.rest)),
        fmt(med((m) => m.cpu.beyondHash)),
        fmt(med((m) => m.healthz.p99)),
        fmt(
          med((m) => m.machineIdlePct),
          0,
        ),
        fmt(
          med((m) => m.backgroundCores),
          2,
        ),
      ]);
    }
  }
  const widths = header.map((_, i) => Math.max(...table.map((row) => row[i].length)));
  for (const row of table) lines.push(`  ${row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ')}`);
  lines.push("  (medians over rounds; CPU is the server's per successful flow: hash = password-hashing threads, loop = event loop,");
  lines.push("   rest = V8 helpers and other threads; idle % = the machine's idle CPU during the surge; bg = other people's work)");
  lines.push('');
  lines.push('  Statements per login (SQL statements sent; each one a round trip on PostgreSQL):');
  for (const server of servers) lines.push(`    ${SERVER_LABEL[server.kind].padEnd(24)} ${fmt(statementsPerLogin(server))}`);
  if (args.verbose) {
    for (const server of servers.filter((s) => s.kind !== 'bare')) {
      lines.push(`  ${SERVER_LABEL[server.kind]}, by statement:`);
      for (const [text, count] of Object.entries(server.statements).sort((a, b) => b[1] - a[1]))
        lines.push(`    ${fmt(count).padStart(5)}  ${text.replace(/\s+/g, ' ').slice(0, 150)}`);
    }
  }
  lines.push('');
  lines.push('  Targets:');
  const target = (label: string, value: string, met: boolean) => lines.push(`    ${label.padEnd(62)} ${value.padStart(8)}  ${met ? 'MET' : 'NOT MET'}`);
  const homerooms = servers.filter((s) => s.kind !== 'bare');
  const sqlitePeak = pick('sqlite', peak);
  if (sqlitePeak.length) {
    const beyond = median(sqlitePeak.map((m) => m.cpu.beyondHash));
    target(`server CPU per login beyond the hash, SQLite, ${peak} at once (≤ ${BEYOND_HASH_TARGET_MS} ms)`, `${fmt(beyond)} ms`, beyond <= BEYOND_HASH_TARGET_MS);
  }
  if (kinds.includes('bare')) {
    for (const server of homerooms) {
      const ratio = ratioOf(server.kind, 'bare', peak);
      target(`${SERVER_LABEL[server.kind]} ÷ bare library, flows/s at ${peak} (≥ ${BARE_RATIO_TARGET})`, fmt(ratio, 2), ratio >= BARE_RATIO_TARGET);
    }
  }
  if (kinds.includes('sqlite') && kinds.includes('postgres')) {
    const ratio = ratioOf('postgres', 'sqlite', peak);
    target(`PostgreSQL ÷ SQLite, flows/s at ${peak} (≥ ${POSTGRES_RATIO_TARGET})`, fmt(ratio, 2), ratio >= POSTGRES_RATIO_TARGET);
  }
  for (const server of homerooms) {
    const p99 = median(pick(server.kind, peak).map((m) => m.healthz.p99));
    const errors = pick(server.kind, peak).reduce((a, m) => a + m.healthz.errors, 0);
    target(
      `GET /healthz p99 during the surge, ${SERVER_LABEL[server.kind]}, ${peak} at once (< ${HEALTHZ_TARGET_MS} ms)`,
      `${fmt(p99)} ms`,
      p99 < HEALTHZ_TARGET_MS && errors === 0,
    );
  }
  lines.push('');
  lines.push(`  Where a flow's time went at ${peak} at once (mean ms per step):`);
  lines.push(`    ${''.padEnd(26)}${servers.map((s) => SERVER_LABEL[s.kind].padStart(24)).join('')}`);
  STEPS.forEach((step, i) => {
    lines.push(`    ${step.padEnd(26)}${servers.map((s) => fmt(median(pick(s.kind, peak).map((m) => m.stepMeanMs[i]))).padStart(24)).join('')}`);
  });

  if (args.profile) {
    for (const server of servers.filter((s) => s.profileDir)) {
      const file = readdirSync(server.profileDir!).find((f) => f.endsWith('.cpuprofile'));
      const last = pick(server.kind, peak).at(-1);
      if (!file || !last) {
        lines.push(`  ${SERVER_LABEL[server.kind]}: no CPU profile was written`);
        continue;
      }
      const profile: ProfileReport = analyzeProfile(join(server.profileDir!, file), last.window);
      if (args['profile-out']) {
        mkdirSync(args['profile-out'], { recursive: true });
        copyFileSync(join(server.profileDir!, file), join(args['profile-out'], `login-${server.kind}.cpuprofile`));
      }
      // V8 samples wall time: a main thread waiting for a core is charged to whatever it was doing. Shares are
      // therefore scaled to the event loop's measured CPU time per login.
      const share = (ms: number) => ms / profile.busyMs;
      const loopPerLogin = last.cpu.loop;
      lines.push('');
      lines.push(`  ${SERVER_LABEL[server.kind]}, event loop during the last ${peak}-at-once surge (--cpu-prof, scaled to ${fmt(loopPerLogin)} ms CPU/login):`);
      for (const entry of profile.byArea.slice(0, Number(args['profile-areas'])))
        lines.push(`    ${entry.name.padEnd(34)} ${fmt(100 * share(entry.ms)).padStart(5)}%  ≈ ${fmt(share(entry.ms) * loopPerLogin, 2)} ms/login`);
      lines.push('  Top functions (self time):');
      for (const entry of profile.byFunction.slice(0, 25)) {
        lines.push(`    ${fmt(100 * share(entry.ms)).padStart(5)}%  ≈ ${fmt(share(entry.ms) * loopPerLogin, 2).padStart(5)} ms/login  ${entry.name.slice(0, 110)}`);
      }
    }
  }

  const failedTotal = measurements.reduce((a, m) => a + m.failed, 0);
  if (failedTotal) {
    const all = new Map<string, number>();
    for (const m of measurements) {
      for (const [message, count] of m.failures) {
        const key = `${SERVER_LABEL[m.kind]}: ${message}`;
        all.set(key, (all.get(key) ?? 0) + count);
      }
    }
    lines.push('');
    lines.push(`  THE BENCH IS BROKEN: ${failedTotal} flows failed (every flow should succeed):`);
    for (const [message, count] of [...all].sort((a, b) => b[1] - a[1]).slice(0, 10)) lines.push(`    ${count} × ${message}`);
  }
  lines.push('');
  process.stdout.write(`${lines.join('\n')}\n`);

  const json = {
    cores,
    node: process.version,
    argon2: { memoryCost: params.memoryCost, timeCost: params.timeCost, parallelism: params.parallelism },
    durationS,
    rounds,
    rawVerificationsPerSecond: round(rawBest.perSecond, 1),
    hashCpuMs: round(hashCpuMs),
    statementsPerLogin: Object.fromEntries(servers.map((s) => [s.kind, round(statementsPerLogin(s), 1)])),
    measurements: measurements.map((m) => ({
      server: m.kind,
      concurrency: m.concurrency,
      round: m.round,
      flowsPerSecond: round(m.flowsPerSecond, 1),
      failed: m.failed,
      latencyMs: { p50: round(m.latency.p50), p99: round(m.latency.p99) },
      cpuMsPerLogin: Object.fromEntries(Object.entries(m.cpu).map(([k, v]) => [k, round(v, 2)])),
      healthzMs: { p50: round(m.healthz.p50), p99: round(m.healthz.p99), max: round(m.healthz.max), errors: m.healthz.errors },
      eventLoop: { p99: round(m.loop.p99), utilization: round(m.loop.utilization, 3) },
      machineIdlePct: round(m.machineIdlePct),
      backgroundCores: round(m.backgroundCores, 2),
    })),
  };
  process.stdout.write(`${JSON.stringify(json)}\n`);
  return failedTotal > 0 || measurements.some((m) => m.flows === 0) ? 1 : 0;
}

main().then(
  (code) => {
    cleanup();
    process.exit(code);
  },
  async (error) => {
    log(`bench failed: ${(error as Error).stack ?? error}`);
    cleanup();
    await dropSchema().catch(() => undefined);
    process.exit(1);
  },
);
