/**
 * One roster import in a process of its own, so its peak RSS is the importer's alone:
 * `node --import tsx bench/lib/roster-import-child.ts <store-options-json> <path> [force] [importMemory]`. Prints one
 * JSON line. It runs the import as `homeroom roster import` does (cliImport, configured through the environment: a
 * SQLite file must be named homeroom.db).
 */
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import { cliImport } from '../../src/roster/cli-import.js';
import type { StoreOptions } from '../../src/store/database.js';

const [optionsJson, path, force, importMemory] = process.argv.slice(2);

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
    if (process.env.BENCH_PHASES)
      process.stderr.write(
        `${name.padEnd(32)} wall ${(performance.now() - wall).toFixed(0).padStart(6)} ms  cpu ${((c.user + c.system) / 1000).toFixed(0).padStart(6)} ms  peak ${mb(peak).padStart(5)}  ${memory()}\n`,
      );
    name = next;
    wall = performance.now();
    cpu = process.cpuUsage();
    peak = 0;
  };
  return { phase: lap, rows() {}, done: () => lap('') };
}
const options = JSON.parse(optionsJson) as StoreOptions;
if (options.engine === 'sqlite') {
  if (basename(options.file!) !== 'homeroom.db') throw new Error('the SQLite file must be named homeroom.db');
  process.env.HOMEROOM_DATA_DIR = dirname(options.file!);
} else {
  process.env.DATABASE_URL = options.url;
  const file = join(tmpdir(), `bench-import-${process.pid}.json`);
  writeFileSync(file, JSON.stringify({ database: { schema: options.schema, poolSize: options.poolSize ?? 4 } }));
  process.env.HOMEROOM_CONFIG = file;
}
process.env.LOG_LEVEL = 'silent';
const started = performance.now();
const cpuBefore = process.cpuUsage();
const config = loadConfig(process.env);
if (importMemory) config.roster.importMemory = Number(importMemory);
const report = await cliImport(config, path, { force: force === 'force' }, phaseTimer()).finally(() => {
  if (options.engine === 'postgres') rmSync(process.env.HOMEROOM_CONFIG!, { force: true });
});
const wallMs = performance.now() - started;
const cpu = process.cpuUsage(cpuBefore);
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
