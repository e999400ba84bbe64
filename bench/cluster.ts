/**
 * Scale-out bench (`npm run bench:cluster -- [--duration 15] [--concurrency 8] [--database-url postgres://…]`).
 *
 * Starts 1, then 2, then 3 `homeroom start` processes on one PostgreSQL schema behind HAProxy (round robin, no
 * stickiness; the same harness as test/operations/cluster.test.ts) and drives full portal sign-ins through the front
 * for `--duration` seconds: the sign-in page, username, password (argon2id), the code exchange and the portal page.
 * Prints logins/s, login latency, and where the CPU went (Homeroom processes, HAProxy, this client), from which it
 * derives logins per second per core of Homeroom, the figure the capacity model in docs/operations.md is built on.
 * Then the node-loss run: three nodes under the same load, one killed with SIGKILL mid-run and restarted; it reports
 * the failed requests (and whether each was in flight on the killed node) and the sessions signed in before the kill
 * that no longer work (lost sessions). Figures, never assertions: the exit code is non-zero only when the bench broke.
 * The last line of output is JSON.
 */
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { startCluster, waitUntilServing, type Cluster } from '../test/helpers/cluster.js';
import { failed, sleep, startLoginLoad, type Credentials } from '../test/helpers/login-load.js';
import { cpuSplit, machineCpu, round, summarize } from './lib/stats.js';

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '15' },
    concurrency: { type: 'string', default: '8' },
    warmup: { type: 'string', default: '3' },
    nodes: { type: 'string', default: '1,2,3' },
    'database-url': { type: 'string' },
    'skip-kill': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});

if (args.help) {
  process.stdout.write(`Usage: npm run bench:cluster -- [options]
  --duration <s>          measured length of each run (default 15)
  --concurrency <n>       browsers signing in at once (default 8)
  --warmup <s>            sign-ins before measuring (default 3)
  --nodes <list>          cluster sizes to measure (default 1,2,3)
  --database-url <url>    PostgreSQL to use (default: TEST_DATABASE_URL, else postgres://postgres@127.0.0.1:5432/postgres);
                          each run makes its own schema and drops it
  --skip-kill             leave out the node-loss run
`);
  process.exit(0);
}

const DURATION_MS = Number(args.duration) * 1000;
const CONCURRENCY = Number(args.concurrency);
const WARMUP_MS = Number(args.warmup) * 1000;
const DATABASE_URL = args['database-url'] ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** The demo district's logins that have a password: every sign-in checks one with argon2id. */
const ACCOUNTS: Credentials[] = [
  { username: 'S0100001', password: 'Lakeside-Ana-2026', expect: 'Hello, Ana' },
  { username: 'S0100002', password: 'Lakeside-Noah-2026', expect: 'Hello, Noah' },
  { username: 'mrivera', password: 'Teach-Lakeside-2026', expect: 'Hello, María' },
  { username: 'helpdesk', password: 'Helpdesk-Maple-2026', expect: 'Hello, Pat' },
  { username: 'admin', password: 'Admin-Maple-2026', expect: 'Hello, Dana' },
];

function countBy(values: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}

/** CPU ms of a process and its threads (0 when it is gone). */
const cpuOf = (pid: number | undefined) => (pid ? cpuSplit(pid).total : 0);

interface Measured {
  nodes: number;
  logins: number;
  failedLogins: number;
  /** How many failed sign-ins ended where (status and path, or the network error). */
  failedLoginEnds: Record<string, number>;
  loginsPerSecond: number;
  loginMs: { p50: number; p90: number; p99: number };
  cpuSeconds: { homeroom: number; haproxy: number; client: number; machine: number };
  homeroomCpuMsPerLogin: number;
  loginsPerHomeroomCore: number;
  /** Resident memory of each Homeroom process at the end of the run. */
  rssMb: number[];
}

/** Resident set size of a process in MB, from /proc (0 when unavailable). */
function rssMbOf(pid: number | undefined): number {
  try {
    const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Math.round(Number(kb) / 1024) : 0;
  } catch {
    return 0;
  }
}

async function measure(nodes: number): Promise<Measured> {
  const cluster = await startCluster({ databaseUrl: DATABASE_URL, nodes, config: { log: { level: 'warn' } } });
  try {
    const load = startLoginLoad(cluster.url, ACCOUNTS, CONCURRENCY, 0);
    await sleep(WARMUP_MS);
    const homeroomBefore = cluster.nodes.map((n) => cpuOf(n.pid()));
    const haproxyBefore = cpuOf(cluster.haproxyPid);
    const clientBefore = process.cpuUsage();
    const machineBefore = machineCpu();
    const startedAt = performance.now();
    const from = load.logins.length;
    await sleep(DURATION_MS);
    const endedAt = performance.now();
    const window = load.logins.slice(from).filter((l) => l.doneAt <= endedAt);
    const homeroomMs = cluster.nodes.reduce((sum, n, i) => sum + cpuOf(n.pid()) - homeroomBefore[i], 0);
    const haproxyMs = cpuOf(cluster.haproxyPid) - haproxyBefore;
    const client = process.cpuUsage(clientBefore);
    const machineAfter = machineCpu();
    const rssMb = cluster.nodes.map((n) => rssMbOf(n.pid()));
    await load.stop();

    const seconds = (endedAt - startedAt) / 1000;
    const ok = window.filter((l) => l.ok);
    const latency = summarize(ok.map((l) => l.ms));
    return {
      nodes,
      logins: ok.length,
      failedLogins: window.length - ok.length,
      failedLoginEnds: countBy(window.filter((l) => !l.ok).map((l) => (l.failure ?? '').replace(/\/(interaction|auth)\/[^/ ]+/, '/$1/<uid>'))),
      loginsPerSecond: round(ok.length / seconds, 1),
      loginMs: { p50: round(latency.p50, 0), p90: round(latency.p90, 0), p99: round(latency.p99, 0) },
      cpuSeconds: {
        homeroom: round(homeroomMs / 1000, 1),
        haproxy: round(haproxyMs / 1000, 1),
        client: round((client.user + client.system) / 1e6, 1),
        machine: round((machineAfter.busy - machineBefore.busy) / 1000, 1),
      },
      homeroomCpuMsPerLogin: round(homeroomMs / Math.max(1, ok.length), 1),
      loginsPerHomeroomCore: round(ok.length / Math.max(0.001, homeroomMs / 1000), 1),
      rssMb,
    };
  } finally {
    await cluster.close();
  }
}

interface KillRun {
  killedNode: string;
  failedRequests: number;
  failedInFlightOnKilledNode: number;
  failedOtherwise: number;
  failedLogins: number;
  /** Where each failed sign-in ended. */
  failedLoginEnds: string[];
  loginsWhileDown: number;
  sessionsBeforeKill: number;
  lostSessions: number;
  rejoinedAfterSeconds: number;
}

async function killRun(): Promise<KillRun> {
  const cluster: Cluster = await startCluster({ databaseUrl: DATABASE_URL, nodes: 3, config: { log: { level: 'warn' } } });
  try {
    const victim = cluster.nodes[1];
    const load = startLoginLoad(cluster.url, ACCOUNTS, CONCURRENCY, 200);
    await sleep(Math.max(3000, DURATION_MS / 2));
    const sessions = load.sessions.slice();
    const killedAt = performance.now();
    await victim.signal('SIGKILL');
    await sleep(3000);
    const restartAt = performance.now();
    await victim.start();
    await waitUntilServing(cluster, victim);
    const rejoinedAt = performance.now();
    await sleep(Math.max(3000, DURATION_MS / 2));
    await load.stop();

    const failures = failed(load.requests);
    // In flight on the killed node: sent before the kill and answered by HAProxy for that node (or cut, with no node
    // to name, in the moment it died).
    const inFlight = failures.filter((f) => f.sentAt < killedAt && (f.node === victim.name || f.status === 0) && f.doneAt < killedAt + 5000);
    let lost = 0;
    for (const { browser } of sessions) {
      const page = await browser.get(`${cluster.url}/`);
      if (!ACCOUNTS.some((a) => page.html.includes(a.expect))) lost += 1;
    }
    return {
      killedNode: victim.name,
      failedRequests: failures.length,
      failedInFlightOnKilledNode: inFlight.length,
      failedOtherwise: failures.length - inFlight.length,
      failedLogins: load.logins.filter((l) => !l.ok).length,
      failedLoginEnds: load.logins.filter((l) => !l.ok).map((l) => l.failure ?? ''),
      loginsWhileDown: load.logins.filter((l) => l.ok && l.doneAt > killedAt && l.doneAt < restartAt).length,
      sessionsBeforeKill: sessions.length,
      lostSessions: lost,
      rejoinedAfterSeconds: round((rejoinedAt - restartAt) / 1000, 1),
    };
  } finally {
    await cluster.close();
  }
}

async function main() {
  const sizes = args.nodes
    .split(',')
    .map(Number)
    .filter((n) => n > 0);
  const load = { before: loadavg().map((v) => round(v, 2)), cores: cpus().length };
  process.stdout.write(`bench:cluster: ${load.cores} cores, load average ${load.before.join(' ')} before; ${CONCURRENCY} browsers, ${DURATION_MS / 1000} s per run\n\n`);
  const runs: Measured[] = [];
  for (const nodes of sizes) {
    const run = await measure(nodes);
    runs.push(run);
    process.stdout.write(
      `${nodes} node${nodes > 1 ? 's' : ' '}: ${String(run.loginsPerSecond).padStart(6)} logins/s  ` +
        `login p50 ${run.loginMs.p50} ms p90 ${run.loginMs.p90} ms  ` +
        `CPU s: homeroom ${run.cpuSeconds.homeroom}, haproxy ${run.cpuSeconds.haproxy}, client ${run.cpuSeconds.client}, machine ${run.cpuSeconds.machine}  ` +
        `=> ${run.homeroomCpuMsPerLogin} ms of Homeroom CPU a login, ${run.loginsPerHomeroomCore} logins/s per core; RSS ${run.rssMb.join(', ')} MB` +
        (run.failedLogins ? `  (${run.failedLogins} failed: ${JSON.stringify(run.failedLoginEnds)})` : '') +
        '\n',
    );
  }
  const base = runs[0];
  if (base && runs.length > 1) {
    process.stdout.write(`\nratios to ${base.nodes} node(s): ${runs.map((r) => `${r.nodes}: ×${round(r.loginsPerSecond / base.loginsPerSecond, 2)}`).join(', ')}\n`);
    process.stdout.write(
      `With ${load.cores} cores shared by every Homeroom process, HAProxy and this client, more processes cannot add CPU: ` +
        `throughput here stays flat; per core is the figure that scales with the machines a district adds.\n`,
    );
  }
  let kill: KillRun | null = null;
  if (!args['skip-kill']) {
    kill = await killRun();
    process.stdout.write(
      `\nnode loss (3 nodes, ${kill.killedNode} killed with SIGKILL, restarted 3 s later): failed requests ${kill.failedRequests} ` +
        `(${kill.failedInFlightOnKilledNode} in flight on ${kill.killedNode}, ${kill.failedOtherwise} otherwise), failed logins ${kill.failedLogins} (${kill.failedLoginEnds.join('; ')}), ` +
        `${kill.loginsWhileDown} logins while it was down, lost sessions ${kill.lostSessions} of ${kill.sessionsBeforeKill}, ` +
        `back in rotation ${kill.rejoinedAfterSeconds} s after it was started again\n`,
    );
  }
  const after = loadavg().map((v) => round(v, 2));
  process.stdout.write(`load average after: ${after.join(' ')}\n`);
  process.stdout.write(`${JSON.stringify({ cores: load.cores, loadBefore: load.before, loadAfter: after, concurrency: CONCURRENCY, runs, kill })}\n`);
}

main().catch((error) => {
  process.stderr.write(`bench:cluster failed: ${(error as Error).stack ?? error}\n`);
  process.exit(1);
});
