/**
 * npm run bench:staff [-- --students N --samples N]
 *
 * The "My students" page of a teacher with 6 classes of 35 students, on a district roster of 200,000 students
 * (8 enrollments each, 60 schools). Builds the roster straight into a fresh SQLite database (the importer has its
 * own bench), starts Homeroom on it, signs the teacher in through the real login, then times GET /staff over HTTP
 * and the same work without HTTP. Target: median under 100 ms. Figures only; nothing is asserted.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { loadConfig } from '../src/config/load.js';
import { startServer } from '../src/server.js';
import { migrateToLatest, openStore } from '../src/store/database.js';
import { SqlStaffStore } from '../src/store/staff-repo.js';
import { signIn, WebClient } from '../test/helpers/web-client.js';

function arg(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? Number(process.argv[index + 1]) : fallback;
}

const STUDENTS = arg('students', 200_000);
const SAMPLES = arg('samples', 60);
const SCHOOLS = 60;
const PER_STUDENT = 8;
const CLASS_SIZE = 35;
const CLASSES_PER_TEACHER = 6;

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};
const ms = (value: number) => `${value.toFixed(1)} ms`;

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'homeroom-bench-staff-'));
  const file = join(dir, 'homeroom.db');
  try {
    const store = await openStore({ engine: 'sqlite', file });
    await migrateToLatest(store);
    const sqlite = store.raw.sqlite!;
    const now = Date.now();
    const built = process.hrtime.bigint();

    const classCount = Math.ceil((STUDENTS * PER_STUDENT) / CLASS_SIZE);
    const teacherCount = Math.ceil(classCount / CLASSES_PER_TEACHER);
    const insertSchool = sqlite.prepare('insert into schools (id, name) values (?, ?)');
    const insertAccount = sqlite.prepare(
      `insert into accounts (id, username, username_key, given_name, family_name, student_id, grade, status, password_hash, claimed_at,
        last_login_at, created_at, updated_at) values (?, ?, ?, ?, ?, ?, ?, 'active', ?, ?, ?, ?, ?)`,
    );
    const insertRole = sqlite.prepare('insert into account_roles (account_id, role) values (?, ?)');
    const insertRosterUser = sqlite.prepare(
      `insert into roster_users (sourced_id, account_id, role, identifier, org_ids, enabled, disabled_by_roster, row_hash, updated_at)
       values (?, ?, ?, ?, ?, 1, 0, 0, ?)`,
    );
    const insertClass = sqlite.prepare(`insert into roster_classes (sourced_id, status, title, school_id, row_hash) values (?, 'active', ?, ?, 0)`);
    const insertEnrollment = sqlite.prepare(`insert into roster_enrollments (sourced_id, class_id, user_id, school_id, role, row_hash) values (?, ?, ?, ?, ?, 0)`);

    sqlite.transaction(() => {
      for (let s = 0; s < SCHOOLS; s += 1) insertSchool.run(`sch-${s}`, `School ${s}`);
      for (let c = 0; c < classCount; c += 1) insertClass.run(`cls-${c}`, `Class ${c}`, `sch-${c % SCHOOLS}`);
      for (let t = 0; t < teacherCount; t += 1) {
        const id = randomUUID();
        insertAccount.run(id, `teacher${t}`, `teacher${t}`, 'Teacher', `Number ${t}`, null, null, null, null, null, now, now);
        insertRole.run(id, 'teacher');
        insertRosterUser.run(`tch-${t}`, id, 'teacher', `T${t}`, `sch-${t % SCHOOLS}`, now);
        for (let k = 0; k < CLASSES_PER_TEACHER; k += 1) {
          const c = t * CLASSES_PER_TEACHER + k;
          if (c < classCount) insertEnrollment.run(`enr-t-${c}`, `cls-${c}`, `tch-${t}`, `sch-${c % SCHOOLS}`, 'teacher');
        }
      }
      // Students fill classes in a stride so each class gets 35 different students.
      let seat = 0;
      for (let n = 0; n < STUDENTS; n += 1) {
        const id = randomUUID();
        const number = String(1_000_000 + n);
        const claimed = n % 3 !== 0;
        insertAccount.run(
          id,
          `S0${number}`,
          `s0${number}`,
          'Student',
          `Family ${n}`,
          number,
          String(1 + (n % 12)).padStart(2, '0'),
          claimed ? '$argon2id$x' : null,
          claimed ? now : null,
          n % 2 ? now : null,
          now,
          now,
        );
        insertRole.run(id, 'student');
        insertRosterUser.run(`stu-${n}`, id, 'student', number, `sch-${n % SCHOOLS}`, now);
        for (let k = 0; k < PER_STUDENT; k += 1) {
          const c = (seat + k * Math.floor(classCount / PER_STUDENT)) % classCount;
          insertEnrollment.run(`enr-${n}-${k}`, `cls-${c}`, `stu-${n}`, `sch-${c % SCHOOLS}`, 'student');
        }
        seat += 1;
      }
    })();
    sqlite.exec('analyze');
    const buildSeconds = Number(process.hrtime.bigint() - built) / 1e9;
    const enrollments = (sqlite.prepare('select count(*) as n from roster_enrollments').get() as { n: number }).n;
    console.log(
      `roster: ${STUDENTS.toLocaleString('en')} students, ${teacherCount.toLocaleString('en')} teachers, ${classCount.toLocaleString('en')} classes, ${enrollments.toLocaleString('en')} enrollments (built in ${buildSeconds.toFixed(1)} s)`,
    );

    // The teacher whose page is timed: teacher 0 has classes 0-5.
    const teacherId = (sqlite.prepare(`select id from accounts where username = 'teacher0'`).get() as { id: string }).id;
    const staffStore = new SqlStaffStore(store.db);
    const direct: number[] = [];
    for (let i = 0; i < SAMPLES; i += 1) {
      const started = process.hrtime.bigint();
      const classes = await staffStore.teacherClasses(teacherId);
      const students = await staffStore.studentsOf(classes.map((c) => c.classId));
      direct.push(Number(process.hrtime.bigint() - started) / 1e6);
      if (i === 0) console.log(`teacher0: ${classes.length} classes, ${students.length} student rows`);
    }
    await store.close();

    const config = loadConfig({ HOMEROOM_DEMO: '0', LOG_LEVEL: 'warn' }, { server: { port: 0, host: '127.0.0.1' } });
    const running = await startServer(config, {
      storeOptions: { engine: 'sqlite', file },
      configForPort: (port) => loadConfig({ HOMEROOM_DEMO: '0', LOG_LEVEL: 'warn' }, { server: { port, host: '127.0.0.1', issuer: `http://127.0.0.1:${port}` } }),
    });
    try {
      await running.services.accounts.setPassword(teacherId, await running.services.hasher.hash('Bench-Teacher-Phrase'));
      const browser = new WebClient();
      await signIn(browser, `${running.url}/staff`, 'teacher0', 'Bench-Teacher-Phrase');
      const http: number[] = [];
      let size = 0;
      for (let i = 0; i < SAMPLES; i += 1) {
        const started = process.hrtime.bigint();
        const page = await browser.get(`${running.url}/staff`);
        http.push(Number(process.hrtime.bigint() - started) / 1e6);
        if (page.status !== 200) throw new Error(`GET /staff answered ${page.status}`);
        size = page.html.length;
      }
      const median = percentile(http, 50);
      console.log('');
      console.log(`My students (6 classes × 35) on ${STUDENTS.toLocaleString('en')} students, ${SAMPLES} samples`);
      console.log(`  queries only      median ${ms(percentile(direct, 50))}  p95 ${ms(percentile(direct, 95))}`);
      console.log(`  GET /staff (HTTP) median ${ms(median)}  p95 ${ms(percentile(http, 95))}  (${(size / 1024).toFixed(0)} KiB of HTML)`);
      console.log(`  target: median < 100 ms → ${median < 100 ? 'met' : 'NOT met'}`);
      console.log(
        JSON.stringify({
          students: STUDENTS,
          enrollments,
          samples: SAMPLES,
          queriesMedianMs: percentile(direct, 50),
          httpMedianMs: median,
          httpP95Ms: percentile(http, 95),
          targetMs: 100,
          met: median < 100,
        }),
      );
    } finally {
      await running.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
