/**
 * A district roster for the readiness bench, written straight into the tables (the importer has its own bench):
 * SCHOOLS schools, grades KG–12, a homeroom of about 30 per school and grade plus one subject class per student,
 * a teacher per homeroom and one per six subject classes, and claim / first sign-in dates spread over the weeks before
 * today (about 72 % claimed, 80 % of those signed in at least once, 0.5 % disabled).
 * One generator feeds either SQLite (prepared statements in one transaction) or PostgreSQL (UNNEST batches).
 */
import { randomUUID } from 'node:crypto';
import type SQLite from 'better-sqlite3';
import type pg from 'pg';

export const GRADES = ['KG', '01', '02', '03', '04', '05', '06', '07', '08', '09', '10', '11', '12'];
const CLASS_SIZE = 30;
const DAY = 86_400_000;
const FAMILY = ['Côté', 'García', 'Nguyen', "O'Connor", 'Tremblay', 'Smith', 'Müller', 'Øster', 'Ivanova', 'Bouchard', 'Diallo', 'Kim'];
const GIVEN = ['Léa', 'Ana', 'Noah', 'Zoé', 'Malik', 'Mei', 'Jean-Luc', 'Siobhán', 'Yusuf', 'Sofía', 'Kwame', 'Emma'];

export interface RosterShape {
  students: number;
  schools: number;
  now: number;
}

export interface RosterCounts {
  students: number;
  teachers: number;
  classes: number;
  enrollments: number;
}

interface Sink {
  school(id: string, name: string): void;
  account(row: unknown[]): void;
  role(accountId: string, role: string): void;
  accountSchool(accountId: string, schoolId: string): void;
  rosterUser(sourcedId: string, accountId: string, role: string, identifier: string, orgId: string, grade: string | null): void;
  klass(sourcedId: string, title: string, schoolId: string, type: string, grade: string): void;
  enrollment(sourcedId: string, classId: string, userId: string, schoolId: string, role: string): void;
}

/** A repeatable number in [0, 1) for student n and a salt (no Math.random: two runs build the same district). */
function unit(n: number, salt: number): number {
  const x = Math.sin(n * 12.9898 + salt * 78.233) * 43758.5453;
  return x - Math.floor(x);
}

/** Account columns: id, username, username_key, given, family, student_id, grade, status, hash, claimed_at, first_login_at, last_login_at, created, updated. */
async function generate(shape: RosterShape, sink: Sink, flush: () => Promise<void>): Promise<RosterCounts> {
  const { students, schools, now } = shape;
  const groups = schools * GRADES.length;
  // Students per (school, grade): student n goes to school n % schools, grade ⌊n / schools⌋ % 13, seat ⌊n / groups⌋.
  const perGroup = new Array<number>(groups).fill(0);
  for (let n = 0; n < students; n += 1) perGroup[(n % schools) * GRADES.length + (Math.floor(n / schools) % GRADES.length)] += 1;
  let classes = 0;
  let teachers = 0;
  let enrollments = 0;
  const teacher = (school: number, classIds: string[]) => {
    const id = randomUUID();
    const t = teachers;
    teachers += 1;
    sink.account([
      id,
      `teacher${t}`,
      `teacher${t}`,
      GIVEN[t % GIVEN.length],
      `${FAMILY[(t + 3) % FAMILY.length]} ${t}`,
      null,
      null,
      'active',
      '$argon2id$bench',
      now,
      null,
      null,
      now,
      now,
    ]);
    sink.role(id, 'teacher');
    sink.accountSchool(id, `sch-${school}`);
    sink.rosterUser(`tch-${t}`, id, 'teacher', `T${t}`, `sch-${school}`, null);
    for (const classId of classIds) {
      sink.enrollment(`enr-t-${classId}`, classId, `tch-${t}`, `sch-${school}`, 'teacher');
      enrollments += 1;
    }
  };

  for (let s = 0; s < schools; s += 1) sink.school(`sch-${s}`, `${['Lakeside', 'Hillcrest', 'Riverside', 'Maple', 'École'][s % 5]} School ${s + 1}`);
  for (let s = 0; s < schools; s += 1) {
    for (let g = 0; g < GRADES.length; g += 1) {
      const count = Math.ceil(perGroup[s * GRADES.length + g] / CLASS_SIZE);
      const subjects: string[] = [];
      for (let h = 0; h < count; h += 1) {
        const homeroom = `hr-${s}-${g}-${h}`;
        sink.klass(homeroom, `Homeroom ${GRADES[g]}-${h + 1}`, `sch-${s}`, 'homeroom', GRADES[g]);
        sink.klass(`sub-${s}-${g}-${h}`, `Science ${GRADES[g]}-${h + 1}`, `sch-${s}`, 'scheduled', GRADES[g]);
        classes += 2;
        teacher(s, [homeroom]);
        subjects.push(`sub-${s}-${g}-${h}`);
        if (subjects.length === 6) teacher(s, subjects.splice(0));
      }
      if (subjects.length) teacher(s, subjects);
    }
  }
  await flush();

  for (let n = 0; n < students; n += 1) {
    const s = n % schools;
    const g = Math.floor(n / schools) % GRADES.length;
    const seat = Math.floor(n / groups);
    const homerooms = Math.ceil(perGroup[s * GRADES.length + g] / CLASS_SIZE);
    const id = randomUUID();
    const number = String(1_000_000 + n);
    const claimed = unit(n, 1) < 0.72;
    // Claims ramp up towards today: most in the last three weeks, a few up to 45 days ago.
    const claimedAt = claimed ? now - Math.floor(45 * DAY * unit(n, 2) ** 2.2) - Math.floor(DAY * unit(n, 5)) : null;
    const signedIn = claimed && unit(n, 3) < 0.8;
    const firstLogin = signedIn ? Math.min(now - 60_000, claimedAt! + Math.floor(3 * DAY * unit(n, 4))) : null;
    const status = unit(n, 6) < 0.005 ? 'disabled' : 'active';
    sink.account([
      id,
      `S0${number}`,
      `s0${number}`,
      GIVEN[n % GIVEN.length],
      FAMILY[Math.floor(n / 7) % FAMILY.length],
      number,
      GRADES[g],
      status,
      claimed ? '$argon2id$bench' : null,
      claimedAt,
      firstLogin,
      firstLogin,
      now,
      now,
    ]);
    sink.role(id, 'student');
    sink.accountSchool(id, `sch-${s}`);
    sink.rosterUser(`stu-${n}`, id, 'student', number, `sch-${s}`, GRADES[g]);
    sink.enrollment(`enr-h-${n}`, `hr-${s}-${g}-${Math.floor(seat / CLASS_SIZE)}`, `stu-${n}`, `sch-${s}`, 'student');
    sink.enrollment(`enr-s-${n}`, `sub-${s}-${g}-${seat % homerooms}`, `stu-${n}`, `sch-${s}`, 'student');
    enrollments += 2;
    if (n % 10_000 === 9_999) await flush();
  }
  await flush();
  return { students, teachers, classes, enrollments };
}

const ACCOUNT_COLUMNS = [
  'id',
  'username',
  'username_key',
  'given_name',
  'family_name',
  'student_id',
  'grade',
  'status',
  'password_hash',
  'claimed_at',
  'first_login_at',
  'last_login_at',
  'created_at',
  'updated_at',
];

export async function buildSqliteRoster(sqlite: SQLite.Database, shape: RosterShape): Promise<RosterCounts> {
  const school = sqlite.prepare(`insert into schools (id, name, type, status) values (?, ?, 'school', 'active')`);
  const account = sqlite.prepare(`insert into accounts (${ACCOUNT_COLUMNS.join(', ')}) values (${ACCOUNT_COLUMNS.map(() => '?').join(', ')})`);
  const role = sqlite.prepare('insert into account_roles (account_id, role) values (?, ?)');
  const accountSchool = sqlite.prepare('insert into account_schools (account_id, school_id) values (?, ?)');
  const rosterUser = sqlite.prepare(
    `insert into roster_users (sourced_id, account_id, role, identifier, org_ids, grades, enabled, disabled_by_roster, row_hash, updated_at) values (?, ?, ?, ?, ?, ?, 1, 0, 0, ${shape.now})`,
  );
  const klass = sqlite.prepare(`insert into roster_classes (sourced_id, status, title, school_id, class_type, grades, row_hash) values (?, 'active', ?, ?, ?, ?, 0)`);
  const enrollment = sqlite.prepare(`insert into roster_enrollments (sourced_id, class_id, user_id, school_id, role, row_hash) values (?, ?, ?, ?, ?, 0)`);
  // Random UUID keys land all over the B-trees: with SQLite's 2 MB default cache every insert would go to disk.
  const cache = sqlite.pragma('cache_size', { simple: true });
  sqlite.pragma('cache_size = -2000000');
  sqlite.exec('begin');
  try {
    const counts = await generate(
      shape,
      {
        school: (id, name) => school.run(id, name),
        account: (row) => account.run(...row),
        role: (id, r) => role.run(id, r),
        accountSchool: (id, s) => accountSchool.run(id, s),
        rosterUser: (sid, id, r, identifier, org, grade) => rosterUser.run(sid, id, r, identifier, org, grade),
        klass: (sid, title, s, type, grade) => klass.run(sid, title, s, type, grade),
        enrollment: (sid, c, u, s, r) => enrollment.run(sid, c, u, s, r),
      },
      async () => {},
    );
    sqlite.exec('commit');
    sqlite.exec('analyze');
    return counts;
  } catch (error) {
    sqlite.exec('rollback');
    throw error;
  } finally {
    sqlite.pragma(`cache_size = ${cache}`);
  }
}

/** The same district on PostgreSQL: rows gathered per table and written 10,000 at a time as arrays (UNNEST). */
export async function buildPostgresRoster(pool: pg.Pool, shape: RosterShape): Promise<RosterCounts> {
  const tables: Record<string, { columns: string[]; types: string[]; rows: unknown[][]; fixed?: string }> = {
    schools: { columns: ['id', 'name'], types: ['text', 'text'], rows: [], fixed: `, 'school', 'active'` },
    accounts: { columns: ACCOUNT_COLUMNS, types: ACCOUNT_COLUMNS.map((c) => (c.endsWith('_at') ? 'bigint' : 'text')), rows: [] },
    account_roles: { columns: ['account_id', 'role'], types: ['text', 'text'], rows: [] },
    account_schools: { columns: ['account_id', 'school_id'], types: ['text', 'text'], rows: [] },
    roster_users: { columns: ['sourced_id', 'account_id', 'role', 'identifier', 'org_ids', 'grades'], types: Array(6).fill('text'), rows: [], fixed: `, 1, 0, 0, ${shape.now}` },
    roster_classes: { columns: ['sourced_id', 'title', 'school_id', 'class_type', 'grades'], types: Array(5).fill('text'), rows: [], fixed: `, 'active', 0` },
    roster_enrollments: { columns: ['sourced_id', 'class_id', 'user_id', 'school_id', 'role'], types: Array(5).fill('text'), rows: [], fixed: ', 0' },
  };
  const extra: Record<string, string> = {
    schools: ', type, status',
    roster_users: ', enabled, disabled_by_roster, row_hash, updated_at',
    roster_classes: ', status, row_hash',
    roster_enrollments: ', row_hash',
  };
  const client = await pool.connect();
  const write = async () => {
    for (const [name, table] of Object.entries(tables)) {
      if (!table.rows.length) continue;
      const arrays = table.columns.map((_, c) => table.rows.map((row) => row[c]));
      const unnest = table.types.map((t, i) => `$${i + 1}::${t}[]`).join(', ');
      await client.query(`insert into ${name} (${table.columns.join(', ')}${extra[name] ?? ''}) select *${table.fixed ?? ''} from unnest(${unnest})`, arrays);
      table.rows = [];
    }
  };
  try {
    await client.query('begin');
    const counts = await generate(
      shape,
      {
        school: (id, name) => tables.schools.rows.push([id, name]),
        account: (row) => tables.accounts.rows.push(row),
        role: (id, r) => tables.account_roles.rows.push([id, r]),
        accountSchool: (id, s) => tables.account_schools.rows.push([id, s]),
        rosterUser: (sid, id, r, identifier, org, grade) => tables.roster_users.rows.push([sid, id, r, identifier, org, grade]),
        klass: (sid, title, s, type, grade) => tables.roster_classes.rows.push([sid, title, s, type, grade]),
        enrollment: (sid, c, u, s, r) => tables.roster_enrollments.rows.push([sid, c, u, s, r]),
      },
      write,
    );
    await client.query('commit');
    await client.query('analyze');
    return counts;
  } catch (error) {
    await client.query('rollback').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}
