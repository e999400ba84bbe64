/**
 * Roster import bench (`npm run bench:import -- [--students 200000] [--staff N] [--schools 60] [--enrollments 8]
 * [--engines sqlite,postgres]`).
 *
 * Generates a district with the project's OneRoster generator (names in many scripts, 1.2 layout) into a temporary
 * folder, then for each engine: imports it into an empty database, re-imports it unchanged (on SQLite, a second time
 * with roster.importMemory = 256), and imports it once more with about 2 % of the students changed (renamed, grade
 * change, withdrawn, new). Each import runs as `homeroom roster import` does, in a child process that reports its own
 * peak RSS; after the first import it prints the database's size on disk. PostgreSQL uses TEST_DATABASE_URL (or postgres://postgres@127.0.0.1:5432/test)
 * in a fresh schema, dropped afterwards. Targets are printed, never asserted (this machine is shared; look at the
 * load average printed with the results). The last line of output is JSON.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import type { StoreOptions } from '../src/store/database.js';
import { generateDistrict, rowCount, writeRoster } from '../test/helpers/oneroster-generator.js';
import { withTwoPercentChanges } from './lib/roster-changes.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const TARGET_FIRST_SQLITE = 150_000;
const TARGET_RSS_MB = 512;
const BOUNDED_MB = 256;

const { values } = parseArgs({
  options: {
    students: { type: 'string', default: '200000' },
    staff: { type: 'string' },
    schools: { type: 'string', default: '60' },
    enrollments: { type: 'string', default: '8' },
    engines: { type: 'string', default: 'sqlite,postgres' },
    keep: { type: 'boolean', default: false },
  },
});
const students = Number(values.students);
const staff = values.staff ? Number(values.staff) : Math.round(students * 0.06);
const schools = Number(values.schools);
const perStudent = Number(values.enrollments);
const engines = values.engines!.split(',') as ('sqlite' | 'postgres')[];

interface ChildResult {
  status: string;
  message: string | null;
  rows: number;
  wallMs: number;
  maxRssMb: number;
  accounts: Record<string, number> | null;
  enrollments: Record<string, number> | null;
  errors: number;
  firstErrors: unknown[];
}

function runImport(options: StoreOptions, path: string, importMemory?: number): ChildResult {
  const child = spawnSync(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'bench/lib/roster-import-child.ts'), JSON.stringify(options), path, '', importMemory ? String(importMemory) : ''],
    {
      cwd: ROOT,
      env: { ...process.env, NODE_OPTIONS: '' },
      encoding: 'utf8',
      maxBuffer: 64 << 20,
    },
  );
  if (child.status !== 0) throw new Error(`import child failed (${child.status}):\n${child.stderr}`);
  return JSON.parse(child.stdout.trim().split('\n').at(-1)!);
}

/** What the database takes on disk: the SQLite file and its write-ahead log, or the schema's tables, indexes and TOAST. */
async function databaseBytes(options: StoreOptions): Promise<number> {
  if (options.engine === 'sqlite') {
    const file = options.file!;
    return statSync(file).size + (existsSync(`${file}-wal`) ? statSync(`${file}-wal`).size : 0);
  }
  const client = new pg.Client({ connectionString: options.url });
  await client.connect();
  try {
    const { rows } = await client.query(
      `SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint AS bytes FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind IN ('r', 'm')`,
      [options.schema],
    );
    return Number(rows[0].bytes);
  } finally {
    await client.end();
  }
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const work = mkdtempSync(join(tmpdir(), 'bench-import-'));
const results: Record<string, unknown>[] = [];
try {
  const log = (line: string) => process.stdout.write(`${line}\n`);
  log(
    `bench:import — ${fmt(students)} students, ${fmt(staff)} staff, ${schools} schools, ${perStudent} enrollments per student (load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')})`,
  );
  let started = performance.now();
  const model = generateDistrict({ students, staff, schools, enrollmentsPerStudent: perStudent, seed: 2026 });
  const first = await writeRoster(model, {}, { dir: join(work, 'first') });
  const changed = await writeRoster(withTwoPercentChanges(model, students, perStudent), {}, { dir: join(work, 'changed') });
  log(`generated ${fmt(rowCount(model))} rows (two sets) in ${((performance.now() - started) / 1000).toFixed(1)} s into ${work}`);

  // One tiny import first, unmeasured: it fills tsx's transpile cache, which every run of an installed Homeroom but
  // its very first finds filled (otherwise the first measured run would pay about a second of compiling).
  const tiny = await writeRoster(generateDistrict({ students: 50, staff: 5, schools: 2, enrollmentsPerStudent: 2, seed: 1 }), {}, { dir: join(work, 'warm-up') });
  mkdirSync(join(work, 'warm-up-data'));
  runImport({ engine: 'sqlite', file: join(work, 'warm-up-data', 'homeroom.db') }, tiny);

  for (const engine of engines) {
    let options: StoreOptions;
    let drop = async () => {};
    if (engine === 'postgres') {
      const url = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
      const schema = `bench_${randomBytes(4).toString('hex')}`;
      options = { engine, url, schema, poolSize: 4 };
      drop = async () => {
        const client = new pg.Client({ connectionString: url });
        await client.connect();
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        await client.end();
      };
    } else {
      options = { engine, file: join(work, 'homeroom.db') };
    }
    try {
      const runs: [string, string, number?][] = [
        ['first import', first],
        ['unchanged re-import', first],
        // The same unchanged re-import with the heap bounded (roster.importMemory): the memory it saves, the time it costs.
        ...(engine === 'sqlite' ? [[`unchanged, heap ${BOUNDED_MB} MB`, first, BOUNDED_MB] as [string, string, number]] : []),
        ['2 % changes', changed],
      ];
      for (const [label, path, importMemory] of runs) {
        started = performance.now();
        const result = runImport(options, path, importMemory);
        const row: Record<string, unknown> & { rows: number; rowsPerSecond: number; wallSeconds: number; peakRssMb: number; loadAverage: number } = {
          engine,
          run: label,
          status: result.status,
          rows: result.rows,
          rowsPerSecond: Math.round((result.rows * 1000) / result.wallMs),
          wallSeconds: Number((result.wallMs / 1000).toFixed(2)),
          peakRssMb: Math.round(result.maxRssMb),
          accounts: result.accounts,
          enrollments: result.enrollments,
          errors: result.errors,
          loadAverage: Number(loadavg()[0].toFixed(2)),
        };
        if (label === 'first import') {
          const bytes = await databaseBytes(options);
          Object.assign(row, { databaseMb: Math.round(bytes / 1e6), databaseMbPerMillionStudents: Math.round((bytes / 1e6) * (1_000_000 / students)) });
        }
        results.push(row);
        log(
          `${engine.padEnd(8)} ${label.padEnd(24)} ${result.status.padEnd(8)} ${fmt(row.rows).padStart(10)} rows  ${fmt(row.rowsPerSecond).padStart(9)} rows/s  ${row.wallSeconds.toFixed(1).padStart(6)} s  peak RSS ${String(row.peakRssMb).padStart(4)} MB  ` +
            `accounts +${result.accounts?.created ?? 0} ~${result.accounts?.updated ?? 0} -${result.accounts?.disabled ?? 0} =${result.accounts?.unchanged ?? 0}  (load ${row.loadAverage})`,
        );
        if (typeof row.databaseMb === 'number')
          log(
            `${''.padEnd(9)}database after the first import: ${fmt(row.databaseMb as number)} MB, ${fmt(row.databaseMbPerMillionStudents as number)} MB per million students (tables and indexes)`,
          );
        if (result.status !== 'applied') log(`  ${result.message} ${JSON.stringify(result.firstErrors)}`);
      }
    } finally {
      await drop();
    }
  }

  const sqliteFirst = results.find((r) => r.engine === 'sqlite' && r.run === 'first import') as { rowsPerSecond: number; wallSeconds: number } | undefined;
  const sqliteAgain = results.find((r) => r.engine === 'sqlite' && r.run === 'unchanged re-import') as { wallSeconds: number } | undefined;
  const peak = Math.max(...results.filter((r) => !String(r.run).includes('heap')).map((r) => r.peakRssMb as number));
  const bounded = results.find((r) => String(r.run).includes('heap')) as { peakRssMb: number; wallSeconds: number } | undefined;
  log('');
  if (sqliteFirst)
    log(
      `target: first import into SQLite ≥ ${fmt(TARGET_FIRST_SQLITE)} rows/s: ${fmt(sqliteFirst.rowsPerSecond)} ${sqliteFirst.rowsPerSecond >= TARGET_FIRST_SQLITE ? 'MET' : 'NOT MET'}`,
    );
  if (sqliteFirst && sqliteAgain) {
    const ratio = sqliteFirst.wallSeconds / sqliteAgain.wallSeconds;
    log(`target: unchanged re-import ≥ 3× faster than the first (SQLite): ${ratio.toFixed(2)}× ${ratio >= 3 ? 'MET' : 'NOT MET'}`);
  }
  log(
    `target: peak RSS ≤ ${TARGET_RSS_MB} MB at 1,000,000 students: ${peak} MB at ${fmt(students)} students${students >= 1_000_000 ? (peak <= TARGET_RSS_MB ? ' MET' : ' NOT MET') : ' (run with --students 1000000 to check)'}`,
  );
  if (bounded && sqliteAgain) {
    log(
      `  with roster.importMemory = ${BOUNDED_MB}: ${bounded.peakRssMb} MB${students >= 1_000_000 ? (bounded.peakRssMb <= TARGET_RSS_MB ? ' MET' : ' NOT MET') : ''}, unchanged re-import ${bounded.wallSeconds.toFixed(1)} s (${(bounded.wallSeconds / sqliteAgain.wallSeconds).toFixed(2)}× the unbounded one's time)`,
    );
  }
  log(JSON.stringify({ students, staff, schools, perStudent, results }));
} finally {
  if (!values.keep) rmSync(work, { recursive: true, force: true });
}
