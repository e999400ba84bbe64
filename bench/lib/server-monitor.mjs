// Preloaded into a server the login bench starts (`node --import …/server-monitor.mjs`; nothing in src/ changes).
// Between two SIGUSR2s it measures the event loop's delay and utilisation and counts the database statements the
// process sent (each one a round trip to PostgreSQL; on SQLite a statement run in-process), by SQL text, and writes
// them as JSON to HOMEROOM_BENCH_MONITOR_FILE. Plain JavaScript: it runs before any loader is registered.
import { createRequire } from 'node:module';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';

const requireHere = createRequire(join(process.cwd(), 'package.json'));
const statements = new Map();
let counting = false;
const count = (text) => {
  if (counting) statements.set(text, (statements.get(text) ?? 0) + 1);
};

try {
  const pg = requireHere('pg');
  const query = pg.Client.prototype.query;
  pg.Client.prototype.query = function countedQuery(config, ...rest) {
    count(typeof config === 'string' ? config : (config?.text ?? '?'));
    return query.call(this, config, ...rest);
  };
} catch {
  // pg is not installed: a SQLite-only server
}

try {
  const SQLite = requireHere('better-sqlite3');
  const probe = new SQLite(':memory:');
  const Statement = Object.getPrototypeOf(probe.prepare('select 1'));
  for (const method of ['run', 'get', 'all', 'iterate']) {
    const original = Statement[method];
    Statement[method] = function countedStatement(...args) {
      count(this.source);
      return original.apply(this, args);
    };
  }
  probe.close();
} catch {
  // better-sqlite3 is not installed: nothing to count there
}

const histogram = monitorEventLoopDelay({ resolution: 5 });
let elu0 = null;
process.on('SIGUSR2', () => {
  if (!elu0) {
    statements.clear();
    counting = true;
    histogram.reset();
    histogram.enable();
    elu0 = performance.eventLoopUtilization();
    return;
  }
  counting = false;
  histogram.disable();
  const elu = performance.eventLoopUtilization(elu0);
  elu0 = null;
  const ms = (ns) => ns / 1e6;
  writeFileSync(
    process.env.HOMEROOM_BENCH_MONITOR_FILE,
    JSON.stringify({
      loop: { p50: ms(histogram.percentile(50)), p99: ms(histogram.percentile(99)), max: ms(histogram.max), mean: ms(histogram.mean), utilization: elu.utilization },
      statements: Object.fromEntries(statements),
    }),
  );
});
