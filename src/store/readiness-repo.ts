import { Worker } from 'node:worker_threads';
import { sql, type Expression, type Kysely, type RawBuilder } from 'kysely';
import { DAY_MS } from '../readiness/calendar.js';
import type { Figures } from '../readiness/figures.js';
import type {
  ClassInfo,
  ClassStudent,
  CubeRow,
  DayBuckets,
  DayCount,
  NotReadyFilter,
  NotReadyStudent,
  ReadinessStore,
  School,
  StudentClass,
  SummaryCounts,
  SummaryDay,
  SummaryScope,
  SummaryState,
} from '../readiness/ports.js';
import type { Engine } from './database.js';
import { STUDENT_COLUMNS, studentIdentity, type StudentRow } from './student-row.js';
import type { Database, ReadinessCountsTable } from './tables.js';

const TEACHING_ROLES = ['teacher', 'aide'];
const WORKER_URL = new URL('./readiness-worker.mjs', import.meta.url);
const INSERT_BATCH = 400;

const num = (value: unknown) => Number(value ?? 0);

/** A local day number from a millisecond timestamp column: (t + the offset in force at t) / one day. */
function localDay(column: string, buckets: DayBuckets): RawBuilder<number> {
  const ref = sql.ref(column);
  const [first, ...later] = buckets.periods;
  let offset: Expression<number> = sql.lit(first?.offset ?? 0);
  if (later.length) {
    // case when t < change1 then offset0 when t < change2 then offset1 … else offsetN end
    const whens = [first, ...later].slice(0, -1).map((period, i) => sql`when ${ref} < ${sql.lit(later[i].from)} then ${sql.lit(period.offset)}`);
    offset = sql<number>`(case ${sql.join(whens, sql` `)} else ${sql.lit(later[later.length - 1].offset)} end)`;
  }
  return sql<number>`((${ref} + ${offset}) / ${sql.lit(DAY_MS)})`;
}

const claimedFlag = sql<number>`case when a.password_hash is null then 0 else 1 end`;
const signedInFlag = sql<number>`case when a.first_login_at is null then 0 else 1 end`;
const readyFlag = sql<number>`case when a.password_hash is not null and a.first_login_at is not null then 1 else 0 end`;
const notReadyCondition = sql<boolean>`(a.password_hash is null or a.first_login_at is null)`;

function toNotReady(row: StudentRow & { school_name: string | null; first_login_at: number | null }): NotReadyStudent {
  return { ...studentIdentity(row), schoolName: row.school_name ?? null, signedIn: row.first_login_at !== null };
}

/**
 * Readiness queries. Figures of the district, schools and grades come from a summary (readiness_counts,
 * readiness_days) computed by one grouped pass over the students; classes are small and read live.
 */
export class SqlReadinessStore implements ReadinessStore {
  /** `sqliteFile`: the SQLite database file, read by a worker thread for the summary (null: in memory, read here). */
  constructor(
    private readonly db: Kysely<Database>,
    private readonly engine: Engine,
    private readonly sqliteFile: string | null,
  ) {}

  // ---- The summary ------------------------------------------------------------------------------------------------

  async cube(buckets: DayBuckets): Promise<CubeRow[]> {
    return this.engine === 'sqlite' ? this.cubeSqlite(buckets) : this.cubePostgres(buckets);
  }

  private stateColumns(buckets: DayBuckets) {
    const since = sql.lit(buckets.since);
    return sql`coalesce(a.grade, '') as grade,
        ${claimedFlag} as claimed,
        ${signedInFlag} as signed_in,
        case when a.password_hash is not null and a.claimed_at >= ${since} then ${localDay('a.claimed_at', buckets)} end as claimed_day,
        case when a.first_login_at >= ${since} then ${localDay('a.first_login_at', buckets)} end as login_day,
        count(*) as n`;
  }

  /**
   * PostgreSQL: the district and the schools in two grouped passes of one snapshot. (One pass that also finds each
   * student's first school runs a subquery per student: 22 s at a million, against about 8 s for these two.)
   */
  private async cubePostgres(buckets: DayBuckets): Promise<CubeRow[]> {
    const row = (r: Record<string, unknown>, schoolId: string | null): CubeRow => ({
      schoolId,
      firstSchool: schoolId === null,
      grade: String(r.grade),
      claimed: num(r.claimed) === 1,
      signedIn: num(r.signed_in) === 1,
      claimedDay: r.claimed_day === null ? null : num(r.claimed_day),
      loginDay: r.login_day === null ? null : num(r.login_day),
      count: num(r.n),
    });
    return this.db
      .transaction()
      .setIsolationLevel('repeatable read')
      .execute(async (trx) => {
        // Sorting a million rows in the default 4 MB spills to disk.
        await sql`set local work_mem = '64MB'`.execute(trx);
        const district = await sql<Record<string, unknown>>`
          select ${this.stateColumns(buckets)}
          from account_roles r join accounts a on a.id = r.account_id
          where r.role = 'student' and a.status = 'active'
          group by 1, 2, 3, 4, 5`.execute(trx);
        const schools = await sql<Record<string, unknown>>`
          select coalesce(s.school_id, '') as school_id, ${this.stateColumns(buckets)}
          from account_roles r join accounts a on a.id = r.account_id
          left join account_schools s on s.account_id = a.id
          where r.role = 'student' and a.status = 'active'
          group by 1, 2, 3, 4, 5, 6`.execute(trx);
        return [...district.rows.map((r) => row(r, null)), ...schools.rows.map((r) => ({ ...row(r, String(r.school_id)), firstSchool: false }))];
      });
  }

  /**
   * SQLite: one pass, in a worker thread. The students are walked by account id (index account_roles_role) so that
   * the lookups of their accounts and schools go in key order; each row also says whether it is the student's first
   * school (so the district counts each student once).
   */
  private async cubeSqlite(buckets: DayBuckets): Promise<CubeRow[]> {
    const query = sql<Record<string, unknown>>`
      select coalesce(s.school_id, '') as school_id,
        case when s.school_id is null then 1
             when s.school_id = (select min(x.school_id) from account_schools x where x.account_id = a.id) then 1
             else 0 end as first_school,
        ${this.stateColumns(buckets)}
      from account_roles r indexed by account_roles_role cross join accounts a on a.id = r.account_id
      left join account_schools s on s.account_id = a.id
      where r.role = 'student' and a.status = 'active'
      group by 1, 2, 3, 4, 5, 6, 7`;
    let rows: unknown[][];
    if (this.sqliteFile) {
      const compiled = query.compile(this.db);
      rows = await readInWorker(this.sqliteFile, compiled.sql, compiled.parameters as unknown[]);
    } else {
      const result = await query.execute(this.db);
      rows = result.rows.map((r) => [r.school_id, r.first_school, r.grade, r.claimed, r.signed_in, r.claimed_day, r.login_day, r.n]);
    }
    return rows.map((r) => ({
      schoolId: String(r[0]),
      firstSchool: num(r[1]) === 1,
      grade: String(r[2]),
      claimed: num(r[3]) === 1,
      signedIn: num(r[4]) === 1,
      claimedDay: r[5] === null ? null : num(r[5]),
      loginDay: r[6] === null ? null : num(r[6]),
      count: num(r[7]),
    }));
  }

  async replaceSummary(counts: SummaryCounts[], days: SummaryDay[], state: { refreshedAt: number; durationMs: number; timeZone: string; sinceDay: number }): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('readiness_counts').execute();
      await trx.deleteFrom('readiness_days').execute();
      for (let i = 0; i < counts.length; i += INSERT_BATCH) {
        await trx
          .insertInto('readiness_counts')
          .values(
            counts.slice(i, i + INSERT_BATCH).map((c) => ({
              scope: c.scope,
              scope_id: c.scopeId,
              grade: c.grade,
              active: c.figures.active,
              claimed: c.figures.claimed,
              signed_in: c.figures.signedIn,
              ready: c.figures.ready,
            })),
          )
          .execute();
      }
      for (let i = 0; i < days.length; i += INSERT_BATCH) {
        await trx
          .insertInto('readiness_days')
          .values(days.slice(i, i + INSERT_BATCH).map((d) => ({ scope: d.scope, scope_id: d.scopeId, grade: d.grade, day: d.day, claimed: d.claimed, signed_in: d.signedIn })))
          .execute();
      }
      await trx
        .updateTable('readiness_refresh')
        .set({ refreshed_at: state.refreshedAt, duration_ms: state.durationMs, time_zone: state.timeZone, since_day: state.sinceDay, lease_until: null })
        .where('id', '=', 1)
        .execute();
    });
  }

  async state(): Promise<SummaryState> {
    const row = await this.db.selectFrom('readiness_refresh').selectAll().where('id', '=', 1).executeTakeFirst();
    return {
      refreshedAt: row?.refreshed_at == null ? null : num(row.refreshed_at),
      durationMs: row?.duration_ms == null ? null : num(row.duration_ms),
      timeZone: row?.time_zone ?? null,
      sinceDay: row?.since_day == null ? null : num(row.since_day),
      leaseUntil: row?.lease_until == null ? null : num(row.lease_until),
    };
  }

  async lease(now: number, until: number): Promise<boolean> {
    const result = await this.db
      .updateTable('readiness_refresh')
      .set({ lease_until: until })
      .where('id', '=', 1)
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async releaseLease(): Promise<void> {
    await this.db.updateTable('readiness_refresh').set({ lease_until: null }).where('id', '=', 1).execute();
  }

  async lastRosterImport(): Promise<number | null> {
    const row = await this.db
      .selectFrom('roster_runs')
      .select((eb) => eb.fn.max('finished_at').as('at'))
      .where('status', '=', 'applied')
      .executeTakeFirst();
    return row?.at == null ? null : num(row.at);
  }

  private toCounts(rows: ReadinessCountsTable[]): SummaryCounts[] {
    return rows.map((r) => ({
      scope: r.scope as SummaryScope,
      scopeId: r.scope_id,
      grade: r.grade,
      figures: { active: num(r.active), claimed: num(r.claimed), signedIn: num(r.signed_in), ready: num(r.ready) },
    }));
  }

  async counts(scope: SummaryScope, scopeId = ''): Promise<SummaryCounts[]> {
    const rows = await this.db.selectFrom('readiness_counts').selectAll().where('scope', '=', scope).where('scope_id', '=', scopeId).orderBy('grade').execute();
    return this.toCounts(rows);
  }

  async schoolCounts(): Promise<SummaryCounts[]> {
    const rows = await this.db.selectFrom('readiness_counts').selectAll().where('scope', '=', 'school').execute();
    return this.toCounts(rows);
  }

  async days(scope: SummaryScope, scopeId: string, grade?: string): Promise<DayCount[]> {
    let query = this.db
      .selectFrom('readiness_days')
      .select(['day', (eb) => eb.fn.sum<number>('claimed').as('claimed'), (eb) => eb.fn.sum<number>('signed_in').as('signed_in')])
      .where('scope', '=', scope)
      .where('scope_id', '=', scopeId);
    if (grade !== undefined) query = query.where('grade', '=', grade);
    const rows = await query.groupBy('day').orderBy('day').execute();
    return rows.map((r) => ({ day: num(r.day), claimed: num(r.claimed), signedIn: num(r.signed_in) }));
  }

  // ---- Schools and classes ------------------------------------------------------------------------------------------

  async schools(ids: string[]): Promise<School[]> {
    if (!ids.length) return [];
    return this.db.selectFrom('schools').select(['id', 'name']).where('id', 'in', ids).execute();
  }

  async allSchools(): Promise<School[]> {
    return this.db.selectFrom('schools').select(['id', 'name']).execute();
  }

  async school(id: string): Promise<School | null> {
    return (await this.db.selectFrom('schools').select(['id', 'name']).where('id', '=', id).executeTakeFirst()) ?? null;
  }

  private classColumns() {
    return this.db
      .selectFrom('roster_classes as c')
      .leftJoin('schools as sch', 'sch.id', 'c.school_id')
      .select(['c.sourced_id as classId', 'c.title', 'c.class_type as classType', 'c.school_id as schoolId', 'sch.name as schoolName'])
      .where('c.status', '!=', 'tobedeleted');
  }

  async classInfo(classId: string): Promise<ClassInfo | null> {
    const row = await this.classColumns().where('c.sourced_id', '=', classId).executeTakeFirst();
    return row ? { ...row, schoolName: row.schoolName ?? null } : null;
  }

  async classesWithGrade(schoolId: string, grade: string): Promise<ClassInfo[]> {
    // The school's accounts are matched against the index on (grade, id) rather than read (a school can have tens of
    // thousands); a class of disabled students only would show with its (empty) figures.
    const ids = this.db
      .selectFrom('account_schools as s')
      .innerJoin('accounts as a', 'a.id', 's.account_id')
      .innerJoin('roster_users as ru', 'ru.account_id', 's.account_id')
      .innerJoin('roster_enrollments as e', 'e.user_id', 'ru.sourced_id')
      .select('e.class_id')
      .where('s.school_id', '=', schoolId)
      .where((eb) => (grade === '' ? eb.or([eb('a.grade', 'is', null), eb('a.grade', '=', '')]) : eb('a.grade', '=', grade)))
      .where('e.role', '=', 'student');
    const rows = await this.classColumns()
      .where('c.sourced_id', 'in', ids)
      .where('c.school_id', '=', schoolId)
      .orderBy(sql`case when c.class_type = 'homeroom' then 0 else 1 end`)
      .orderBy('c.title')
      .execute();
    return rows.map((r) => ({ ...r, schoolName: r.schoolName ?? null }));
  }

  async teacherClasses(teacherId: string): Promise<ClassInfo[]> {
    const ids = this.db
      .selectFrom('roster_users as ru')
      .innerJoin('roster_enrollments as e', 'e.user_id', 'ru.sourced_id')
      .select('e.class_id')
      .where('ru.account_id', '=', teacherId)
      .where('e.role', 'in', TEACHING_ROLES);
    const rows = await this.classColumns().where('c.sourced_id', 'in', ids).orderBy('c.title').execute();
    return rows.map((r) => ({ ...r, schoolName: r.schoolName ?? null }));
  }

  async teaches(teacherId: string, classId: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('roster_users as ru')
      .innerJoin('roster_enrollments as e', 'e.user_id', 'ru.sourced_id')
      .innerJoin('roster_classes as c', 'c.sourced_id', 'e.class_id')
      .select(sql<number>`1`.as('yes'))
      .where('ru.account_id', '=', teacherId)
      .where('e.class_id', '=', classId)
      .where('e.role', 'in', TEACHING_ROLES)
      .where('c.status', '!=', 'tobedeleted')
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }

  private classMembers(classIds: string[]) {
    return this.db
      .selectFrom('roster_enrollments as e')
      .innerJoin('roster_users as ru', 'ru.sourced_id', 'e.user_id')
      .innerJoin('accounts as a', 'a.id', 'ru.account_id')
      .where('e.class_id', 'in', classIds)
      .where('e.role', '=', 'student')
      .where('a.status', '=', 'active');
  }

  async classFigures(classIds: string[]): Promise<Map<string, Figures>> {
    const out = new Map<string, Figures>();
    if (!classIds.length) return out;
    for (let i = 0; i < classIds.length; i += 500) {
      const rows = await this.classMembers(classIds.slice(i, i + 500))
        .select([
          'e.class_id as classId',
          (eb) => eb.fn.countAll<number>().as('active'),
          (eb) => eb.fn.sum<number>(claimedFlag).as('claimed'),
          (eb) => eb.fn.sum<number>(signedInFlag).as('signed_in'),
          (eb) => eb.fn.sum<number>(readyFlag).as('ready'),
        ])
        .groupBy('e.class_id')
        .execute();
      for (const r of rows) out.set(r.classId, { active: num(r.active), claimed: num(r.claimed), signedIn: num(r.signed_in), ready: num(r.ready) });
    }
    return out;
  }

  async classDays(classId: string, buckets: DayBuckets): Promise<DayCount[]> {
    const [claims, logins] = await Promise.all([
      this.classMembers([classId])
        .select([localDay('a.claimed_at', buckets).as('day'), (eb) => eb.fn.countAll<number>().as('n')])
        .where('a.password_hash', 'is not', null)
        .where('a.claimed_at', '>=', buckets.since)
        .groupBy(sql`1`)
        .execute(),
      this.classMembers([classId])
        .select([localDay('a.first_login_at', buckets).as('day'), (eb) => eb.fn.countAll<number>().as('n')])
        .where('a.first_login_at', '>=', buckets.since)
        .groupBy(sql`1`)
        .execute(),
    ]);
    const byDay = new Map<number, DayCount>();
    const at = (day: number) => byDay.get(day) ?? byDay.set(day, { day, claimed: 0, signedIn: 0 }).get(day)!;
    for (const r of claims) at(num(r.day)).claimed += num(r.n);
    for (const r of logins) at(num(r.day)).signedIn += num(r.n);
    return [...byDay.values()].sort((a, b) => a.day - b.day);
  }

  async classStudents(classId: string): Promise<ClassStudent[]> {
    const rows = await this.classMembers([classId])
      .select([...STUDENT_COLUMNS, 'a.first_login_at'])
      .orderBy('a.family_name')
      .orderBy('a.given_name')
      .orderBy('a.id')
      .execute();
    return rows.map((r) => ({ ...studentIdentity(r), firstLoginAt: r.first_login_at === null ? null : num(r.first_login_at) }));
  }

  // ---- The export ---------------------------------------------------------------------------------------------------

  private notReadyColumns = [...STUDENT_COLUMNS, 'a.first_login_at'] as const;

  async notReadyOfSchool(schoolId: string, filter: NotReadyFilter): Promise<NotReadyStudent[]> {
    let query = this.db
      .selectFrom('account_schools as s')
      .innerJoin('accounts as a', 'a.id', 's.account_id')
      .innerJoin('account_roles as r', (join) => join.onRef('r.account_id', '=', 'a.id').on('r.role', '=', 'student'))
      .innerJoin('schools as sch', 'sch.id', 's.school_id')
      .select([...this.notReadyColumns, 'sch.name as school_name'])
      .where('s.school_id', '=', schoolId)
      .where('a.status', '=', 'active')
      .where(notReadyCondition);
    if (filter.grade !== undefined) query = query.where(sql<string>`coalesce(a.grade, '')`, '=', filter.grade);
    if (filter.firstSchoolOnly) query = query.where(sql<boolean>`s.school_id = (select min(x.school_id) from account_schools x where x.account_id = a.id)`);
    const rows = await query.orderBy('a.grade').orderBy('a.family_name').orderBy('a.given_name').orderBy('a.id').execute();
    return rows.map(toNotReady);
  }

  async notReadyOfClass(classId: string): Promise<NotReadyStudent[]> {
    const rows = await this.classMembers([classId])
      .innerJoin('roster_classes as c', 'c.sourced_id', 'e.class_id')
      .leftJoin('schools as sch', 'sch.id', 'c.school_id')
      .select([...this.notReadyColumns, 'sch.name as school_name'])
      .where(notReadyCondition)
      .orderBy('a.family_name')
      .orderBy('a.given_name')
      .orderBy('a.id')
      .execute();
    return rows.map(toNotReady);
  }

  async notReadyWithoutSchool(afterId: string, limit: number): Promise<{ students: NotReadyStudent[]; next: string | null }> {
    // A window of the next `limit` students in id order (an index range), then the ones in it with no school: each
    // call reads a bounded slice even when no student lacks a school.
    const last = await this.db
      .selectFrom('account_roles')
      .select('account_id')
      .where('role', '=', 'student')
      .where('account_id', '>', afterId)
      .orderBy('account_id')
      .offset(limit - 1)
      .limit(1)
      .executeTakeFirst();
    let query = this.db
      .selectFrom('account_roles as r')
      .innerJoin('accounts as a', 'a.id', 'r.account_id')
      .select([...this.notReadyColumns, sql<string | null>`null`.as('school_name')])
      .where('r.role', '=', 'student')
      .where('r.account_id', '>', afterId)
      .where('a.status', '=', 'active')
      .where(notReadyCondition)
      .where((eb) => eb.not(eb.exists(eb.selectFrom('account_schools as x').select('x.school_id').whereRef('x.account_id', '=', 'a.id'))));
    if (last) query = query.where('r.account_id', '<=', last.account_id);
    const rows = await query.orderBy('r.account_id').execute();
    // The caller goes on after the window (the next one may hold some even when this one held none).
    return { students: rows.map(toNotReady), next: last ? last.account_id : null };
  }

  async classesOfStudents(accountIds: string[]): Promise<StudentClass[]> {
    if (!accountIds.length) return [];
    const rows = await this.db
      .selectFrom('roster_users as ru')
      .innerJoin('roster_enrollments as e', (join) => join.onRef('e.user_id', '=', 'ru.sourced_id').on('e.role', '=', 'student'))
      .innerJoin('roster_classes as c', 'c.sourced_id', 'e.class_id')
      .leftJoin('roster_enrollments as te', (join) => join.onRef('te.class_id', '=', 'c.sourced_id').on('te.role', '=', 'teacher'))
      .leftJoin('roster_users as tu', 'tu.sourced_id', 'te.user_id')
      .leftJoin('accounts as t', 't.id', 'tu.account_id')
      .select(['ru.account_id as accountId', 'c.sourced_id as classId', 'c.title', 'c.class_type as classType', 't.given_name as tGiven', 't.family_name as tFamily'])
      .where('ru.account_id', 'in', accountIds)
      .where('c.status', '!=', 'tobedeleted')
      .orderBy('ru.account_id')
      .orderBy('c.title')
      .orderBy('c.sourced_id')
      .orderBy('t.family_name')
      .orderBy('t.given_name')
      .execute();
    const out: StudentClass[] = [];
    let current: (StudentClass & { classId: string }) | null = null;
    for (const r of rows) {
      if (!current || current.accountId !== r.accountId || current.classId !== r.classId) {
        current = { accountId: r.accountId, classId: r.classId, title: r.title, homeroom: r.classType === 'homeroom', teachers: [] };
        out.push(current);
      }
      if (r.tGiven !== null && r.tFamily !== null) {
        const name = `${r.tGiven} ${r.tFamily}`;
        if (!current.teachers.includes(name)) current.teachers.push(name);
      }
    }
    return out.map(({ accountId, title, homeroom, teachers }) => ({ accountId, title, homeroom, teachers }));
  }
}

/** Runs a read-only query on the SQLite file in a worker thread (see readiness-worker.mjs); rows come back as arrays. */
function readInWorker(file: string, text: string, parameters: unknown[]): Promise<unknown[][]> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_URL, { workerData: { file, sql: text, parameters } });
    // A refresh must not keep a CLI command or a test run alive.
    worker.unref();
    let settled = false;
    worker.once('message', (message: { rows?: unknown[][]; error?: string }) => {
      settled = true;
      if (message.error !== undefined) reject(new Error(`readiness summary query failed: ${message.error}`));
      else resolve(message.rows ?? []);
    });
    worker.once('error', (error) => {
      settled = true;
      reject(error);
    });
    worker.once('exit', (code) => {
      if (!settled) reject(new Error(`readiness worker exited with code ${code}`));
    });
  });
}
