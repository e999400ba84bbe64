/**
 * npm run bench:letters [-- --students N --chunk N]
 *
 * The letters of one school of 2,000 students (generated: a mix of home languages, a third of the accounts claimed),
 * printed by `Letters.print` into a PDF file as `homeroom letters --school … --lang auto` does. Prints the pages per
 * second and the peak resident memory of this process and of Chromium (all its processes, sampled every 100 ms).
 * Figures only; nothing is asserted.
 */
import { createWriteStream, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config/load.js';
import { LOCALES } from '../src/i18n/i18n.js';
import { openPdfPrinter } from '../src/print/pdf.js';
import { createServices } from '../src/services.js';
import { createLogger } from '../src/shared/log.js';
import { migrateToLatest, openStore } from '../src/store/database.js';

function arg(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index < 0 ? undefined : process.argv[index + 1];
}

const STUDENTS = Number(arg('students') ?? 2000);
const SCHOOL = 'bench-school';

/** Resident memory (bytes) of every process descending from this one: Chromium's browser, renderer and helpers. */
function childrenRss(): number {
  const parents = new Map<number, number>();
  const rss = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parents.set(Number(entry), Number(fields[1]));
      rss.set(Number(entry), Number(fields[21]) * 4096);
    } catch {
      // The process ended while the table was read.
    }
  }
  let total = 0;
  for (const [pid, bytes] of rss) {
    let parent = parents.get(pid);
    while (parent && parent !== process.pid) parent = parents.get(parent);
    if (parent === process.pid) total += bytes;
  }
  return total;
}

const mb = (bytes: number) => `${(bytes / 1048576).toFixed(0)} MB`;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'homeroom-bench-letters-'));
  const overrides: Record<string, unknown> = { database: { dataDir: dir } };
  if (arg('chunk')) overrides.letters = { chunk: Number(arg('chunk')) };
  const config = loadConfig({ HOMEROOM_DEMO: '0', LOG_LEVEL: 'warn' }, overrides);
  const store = await openStore({ engine: 'sqlite', file: join(dir, 'homeroom.db') });
  try {
    await migrateToLatest(store);
    const now = Date.now();
    await store.db
      .insertInto('schools')
      .values({ id: SCHOOL, name: 'Bench Elementary School', type: 'school', identifier: 'BES', parent_id: null, status: 'active', row_hash: null, updated_at: now })
      .execute();
    const names = ['García', 'Nguyen', 'Haddad', 'Wang', 'Kim', 'Silva', 'Tesfaye', 'Joseph', 'Tremblay', 'Smith'];
    for (let start = 0; start < STUDENTS; start += 500) {
      const ids = Array.from({ length: Math.min(500, STUDENTS - start) }, (_, i) => start + i);
      await store.db
        .insertInto('accounts')
        .values(
          ids.map((i) => ({
            id: `bench-${i}`,
            username: `S0${200000 + i}`,
            username_key: `s0${200000 + i}`,
            given_name: `Student${i}`,
            family_name: names[i % names.length],
            email: null,
            student_id: String(200000 + i),
            grade: '05',
            status: 'active' as const,
            password_hash: i % 3 === 0 ? 'x' : null,
            password_changed_at: null,
            claimed_at: i % 3 === 0 ? now : null,
            claimable_at: now + 86400_000,
            last_login_at: null,
            created_at: now,
            updated_at: now,
            first_seen_at: now,
            first_login_at: null,
          })),
        )
        .execute();
      await store.db
        .insertInto('account_roles')
        .values(ids.map((i) => ({ account_id: `bench-${i}`, role: 'student' })))
        .execute();
      await store.db
        .insertInto('account_schools')
        .values(ids.map((i) => ({ account_id: `bench-${i}`, school_id: SCHOOL })))
        .execute();
      // Every language served, English for a third of the students (no back page for them).
      await store.db
        .insertInto('home_languages')
        .values(ids.filter((i) => i % 3 !== 1).map((i) => ({ account_id: `bench-${i}`, language: LOCALES[i % LOCALES.length], source: 'file' as const, updated_at: now })))
        .execute();
    }

    const services = await createServices(config, store, createLogger('warn'));
    const selection = await services.letters.select({ school: 'BES', lang: 'auto' });
    let peakNode = 0;
    let peakChromium = 0;
    const sample = () => {
      peakNode = Math.max(peakNode, process.memoryUsage().rss);
      peakChromium = Math.max(peakChromium, childrenRss());
    };
    const sampler = setInterval(sample, 100);
    const started = performance.now();
    const printer = await openPdfPrinter(config.print.chromiumPath);
    const file = join(dir, 'letters.pdf');
    let pages: number;
    try {
      pages = await services.letters.print(selection, printer, createWriteStream(file), { id: null });
    } finally {
      sample();
      await printer.close();
      clearInterval(sampler);
    }
    const seconds = (performance.now() - started) / 1000;
    process.stdout.write(
      [
        `letters: ${selection.students.length} students, ${pages} pages, ${config.letters.chunk} students per Chromium document`,
        `  time           ${seconds.toFixed(1)} s (Chromium start included)`,
        `  pages/second   ${(pages / seconds).toFixed(1)}`,
        `  students/second ${(selection.students.length / seconds).toFixed(1)}`,
        `  PDF size       ${mb(statSync(file).size)}`,
        `  peak RSS       node ${mb(peakNode)}, Chromium ${mb(peakChromium)} (all its processes)`,
      ].join('\n') + '\n',
    );
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
