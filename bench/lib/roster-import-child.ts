/**
 * One roster import in a process of its own, so its peak RSS is the importer's alone:
 * `node --import tsx bench/lib/roster-import-child.ts <store-options-json> <path>`. Prints one JSON line.
 */
import { EventBus } from '../../src/events/bus.js';
import { importRoster } from '../../src/roster/import.js';
import { createLogger } from '../../src/shared/log.js';
import { migrateToLatest, openStore, type StoreOptions } from '../../src/store/database.js';
import { SqlRosterStore } from '../../src/store/roster-repo.js';

const [optionsJson, path, force] = process.argv.slice(2);

const mb = (n: number) => `${Math.round(n / 1048576)}`;
const memory = () => {
  const m = process.memoryUsage();
  return `rss ${mb(m.rss)} heap ${mb(m.heapUsed)}/${mb(m.heapTotal)} external ${mb(m.external)} MB`;
};

/** With BENCH_PHASES=1, prints how long each phase took (CPU and wall) on stderr. */
function phaseTimer() {
  let name = 'start';
  let wall = performance.now();
  let cpu = process.cpuUsage();
  // The highest RSS seen within the phase (sampled between batches: the importer yields after each).
  let peak = 0;
  const sampler = process.env.BENCH_PHASES ? setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 50) : null;
  sampler?.unref();
  const lap = (next: string) => {
    const c = process.cpuUsage(cpu);
    peak = Math.max(peak, process.memoryUsage.rss());
    if (process.env.BENCH_PHASES) process.stderr.write(`${name.padEnd(32)} wall ${(performance.now() - wall).toFixed(0).padStart(6)} ms  cpu ${((c.user + c.system) / 1000).toFixed(0).padStart(6)} ms  peak ${mb(peak).padStart(5)}  ${memory()}\n`);
    name = next;
    wall = performance.now();
    cpu = process.cpuUsage();
    peak = 0;
  };
  return { phase: lap, rows() {}, done: () => lap('') };
}
const options = JSON.parse(optionsJson) as StoreOptions;
const store = await openStore(options);
await migrateToLatest(store, options.schema);
const events = new EventBus(createLogger('silent'));
const started = performance.now();
const cpuBefore = process.cpuUsage();
const report = await importRoster(
  {
    store: new SqlRosterStore(store, { writerThread: true }),
    events,
    settings: {
      studentIdSource: 'identifier',
      usernameTemplates: { student: 'S0{studentNumber}', teacher: '{username}', staff: '{username}' },
      claimDelay: 86400,
      maxDisableShare: 0.1,
    },
  },
  path,
  { force: force === 'force', progress: phaseTimer() },
);
const wallMs = performance.now() - started;
const cpu = process.cpuUsage(cpuBefore);
await store.close();
const { maxRSS } = process.resourceUsage();
process.stdout.write(
  `${JSON.stringify({
    status: report.status,
    message: report.message,
    rows: report.rows,
    wallMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    maxRssMb: maxRSS / 1024,
    accounts: report.summary?.accounts ? Object.fromEntries(Object.entries(report.summary.accounts).filter(([, v]) => typeof v === 'number')) : null,
    enrollments: report.summary?.entities.enrollments ?? null,
    errors: report.errors.count,
    firstErrors: report.errors.items.slice(0, 3),
  })}\n`,
);
