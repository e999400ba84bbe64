import type { Logger } from 'pino';
import { dateToDay, dayToDate, localDate, offsetPeriods, startOfLocalDay, DAY_MS } from './calendar.js';
import { addFigures, NO_FIGURES, type Figures } from './figures.js';
import type { ClassInfo, ClassStudent, DayBuckets, DayCount, NotReadyStudent, ReadinessStore, School, SummaryCounts, SummaryDay, SummaryState } from './ports.js';
import { buildSeries, type Series } from './series.js';

/** Days of history the summary keeps per day (older claims count in the totals only). */
export const HISTORY_DAYS = 180;
/** The summary is recomputed when older than this many times its last computation took … */
const AGE_PER_DURATION = 20;
/** … but never more often than this, and always at least this often. */
const MIN_AGE_MS = 30_000;
const MAX_AGE_MS = 15 * 60_000;
/** A page waits for a refresh that should finish within this (small districts always see fresh figures). */
const WAIT_FOR_QUICK_REFRESH_MS = 1500;
/** How long a page waits the first time, when there are no figures at all yet. */
const WAIT_FOR_FIRST_MS = 5000;
const EXPORT_WINDOW = 5000;

export interface ReadinessSettings {
  timeZone: string;
  /** The deadline in force (policies), YYYY-MM-DD; null when not set. */
  deadline: string | null;
}

/** Where a page's figures stand: fresh, being recomputed in the background, or never computed yet. */
export interface Freshness {
  refreshedAt: number | null;
  updating: boolean;
}

export interface Deadline {
  date: string;
  /** Whole days from today (district time) to the deadline; negative once it has passed. */
  daysLeft: number;
}

export interface Row {
  id: string;
  name: string;
  figures: Figures;
}

export interface GroupPage {
  figures: Figures;
  series: Series;
  deadline: Deadline | null;
  freshness: Freshness;
}

export interface DistrictPage extends GroupPage {
  schools: Row[];
  /** Students in no school (not in any school row), when there are any. */
  withoutSchool: Figures | null;
  grades: Row[];
}

export interface SchoolPage extends GroupPage {
  school: School;
  grades: Row[];
}

export interface GradePage extends GroupPage {
  school: School;
  grade: string;
  classes: (ClassInfo & { figures: Figures })[];
}

export interface ClassPage extends GroupPage {
  info: ClassInfo;
  students: ClassStudent[];
}

export type ExportScope = { level: 'district' } | { level: 'school'; schoolId: string } | { level: 'grade'; schoolId: string; grade: string } | { level: 'class'; classId: string };

const sum = (rows: SummaryCounts[]) => rows.reduce((total, r) => addFigures(total, r.figures), NO_FIGURES);
const byName = (a: { id: string; name: string }, b: { id: string; name: string }) => a.name.localeCompare(b.name) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/**
 * The readiness dashboard's figures. District, school and grade figures come from the summary, which one grouped
 * pass over the students computes (`refresh`): when it is older than about twenty times what it took (at least
 * 30 seconds, at most 15 minutes), or older than the last roster import, a page view starts a new one and shows
 * the figures it has meanwhile, saying when they date from. Classes are small and always read live.
 */
export class ReadinessService {
  private running: Promise<boolean> | null = null;

  constructor(
    private readonly store: ReadinessStore,
    private readonly settings: () => ReadinessSettings,
    private readonly log: Pick<Logger, 'warn' | 'info'>,
    private readonly clock: () => number = Date.now,
  ) {}

  // ---- The summary ------------------------------------------------------------------------------------------------

  /** The day buckets of the summary and of class pages: local days from HISTORY_DAYS ago. */
  buckets(now = this.clock()): DayBuckets & { sinceDay: number } {
    const { timeZone } = this.settings();
    const sinceDay = dateToDay(localDate(now, timeZone)) - HISTORY_DAYS;
    const since = startOfLocalDay(dayToDate(sinceDay), timeZone);
    return { since, sinceDay, periods: offsetPeriods(timeZone, since, now + 2 * DAY_MS) };
  }

  /**
   * Recomputes the summary now (or joins the computation this process is running). False when another process
   * is computing it.
   */
  refresh(): Promise<boolean> {
    this.running ??= this.compute().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async compute(): Promise<boolean> {
    const started = this.clock();
    const previous = await this.store.state();
    const leaseMs = Math.max(60_000, 5 * (previous.durationMs ?? 0));
    if (!(await this.store.lease(started, started + leaseMs))) return false;
    try {
      const { timeZone } = this.settings();
      const buckets = this.buckets(started);
      const rows = await this.store.cube(buckets);
      const counts = new Map<string, SummaryCounts>();
      const days = new Map<string, SummaryDay>();
      const count = (scope: 'district' | 'school', scopeId: string, grade: string, figures: Figures) => {
        const key = `${scope}\u0000${scopeId}\u0000${grade}`;
        const entry = counts.get(key);
        if (entry) entry.figures = addFigures(entry.figures, figures);
        else counts.set(key, { scope, scopeId, grade, figures });
      };
      const day = (scope: 'district' | 'school', scopeId: string, grade: string, dayNumber: number, claimed: number, signedIn: number) => {
        const key = `${scope}\u0000${scopeId}\u0000${grade}\u0000${dayNumber}`;
        const entry = days.get(key) ?? days.set(key, { scope, scopeId, grade, day: dayNumber, claimed: 0, signedIn: 0 }).get(key)!;
        entry.claimed += claimed;
        entry.signedIn += signedIn;
      };
      for (const row of rows) {
        const figures = { active: row.count, claimed: row.claimed ? row.count : 0, signedIn: row.signedIn ? row.count : 0, ready: row.claimed && row.signedIn ? row.count : 0 };
        // A student counts in each of their schools, and once in the district.
        const scopes: ['district' | 'school', string][] = [];
        if (row.schoolId !== null) scopes.push(['school', row.schoolId]);
        if (row.firstSchool) scopes.push(['district', '']);
        for (const [scope, id] of scopes) {
          count(scope, id, row.grade, figures);
          if (row.claimedDay !== null) day(scope, id, row.grade, row.claimedDay, row.count, 0);
          if (row.loginDay !== null) day(scope, id, row.grade, row.loginDay, 0, row.count);
        }
      }
      const finished = this.clock();
      await this.store.replaceSummary([...counts.values()], [...days.values()], { refreshedAt: started, durationMs: finished - started, timeZone, sinceDay: buckets.sinceDay });
      this.log.info(
        { students: sum([...counts.values()].filter((c) => c.scope === 'district')).active, groups: rows.length, ms: this.clock() - started },
        'readiness summary refreshed',
      );
      return true;
    } catch (error) {
      await this.store.releaseLease().catch(() => {});
      throw error;
    }
  }

  /** Whether the summary should be recomputed, and whether a page should wait for it. */
  private async staleness(state: SummaryState, now: number): Promise<{ stale: boolean; wait: number }> {
    if (state.refreshedAt === null) return { stale: true, wait: WAIT_FOR_FIRST_MS };
    const took = state.durationMs ?? 0;
    const maxAge = Math.min(MAX_AGE_MS, Math.max(MIN_AGE_MS, AGE_PER_DURATION * took));
    const imported = await this.store.lastRosterImport();
    const stale =
      now - state.refreshedAt > maxAge ||
      (imported !== null && imported > state.refreshedAt) ||
      state.timeZone !== this.settings().timeZone ||
      (state.sinceDay ?? 0) < dateToDay(localDate(now, this.settings().timeZone)) - HISTORY_DAYS - 7;
    return { stale, wait: took * 2 + 200 <= WAIT_FOR_QUICK_REFRESH_MS ? WAIT_FOR_QUICK_REFRESH_MS : 0 };
  }

  /**
   * Before a page reads the summary: starts a refresh when it is stale (unless someone is computing it), waiting a
   * little when it should be quick.
   */
  async freshness(now = this.clock()): Promise<Freshness> {
    let state = await this.store.state();
    const { stale, wait } = await this.staleness(state, now);
    const busy = state.leaseUntil !== null && state.leaseUntil > now;
    if (!stale) return { refreshedAt: state.refreshedAt, updating: busy };
    if (!busy || this.running) {
      const refresh = this.refresh().catch((error) => {
        this.log.warn({ err: error }, 'readiness summary refresh failed');
        return false;
      });
      if (wait > 0) {
        const done = await Promise.race([refresh, new Promise<boolean>((resolve) => setTimeout(resolve, wait, false).unref())]);
        if (done) state = await this.store.state();
        return { refreshedAt: state.refreshedAt, updating: !done };
      }
    }
    return { refreshedAt: state.refreshedAt, updating: true };
  }

  // ---- Pages ------------------------------------------------------------------------------------------------------

  deadline(now = this.clock()): Deadline | null {
    const { deadline, timeZone } = this.settings();
    if (!deadline) return null;
    return { date: deadline, daysLeft: dateToDay(deadline) - dateToDay(localDate(now, timeZone)) };
  }

  private series(figures: Figures, days: DayCount[], now: number, sinceDay: number): Series {
    const { deadline, timeZone } = this.settings();
    return buildSeries(figures, days, { todayDay: dateToDay(localDate(now, timeZone)), deadlineDay: deadline ? dateToDay(deadline) : null, sinceDay });
  }

  private async sinceDay(now: number): Promise<number> {
    return (await this.store.state()).sinceDay ?? this.buckets(now).sinceDay;
  }

  async district(now = this.clock()): Promise<DistrictPage> {
    const freshness = await this.freshness(now);
    const [gradeRows, schoolRows, days, sinceDay] = await Promise.all([
      this.store.counts('district'),
      this.store.schoolCounts(),
      this.store.days('district', ''),
      this.sinceDay(now),
    ]);
    const perSchool = new Map<string, Figures>();
    for (const row of schoolRows) perSchool.set(row.scopeId, addFigures(perSchool.get(row.scopeId) ?? NO_FIGURES, row.figures));
    const names = new Map((await this.store.schools([...perSchool.keys()].filter(Boolean))).map((s) => [s.id, s.name]));
    const figures = sum(gradeRows);
    return {
      figures,
      series: this.series(figures, days, now, sinceDay),
      deadline: this.deadline(now),
      freshness,
      schools: [...perSchool]
        .filter(([id]) => id !== '')
        .map(([id, f]) => ({ id, name: names.get(id) ?? id, figures: f }))
        .sort(byName),
      withoutSchool: perSchool.get('') ?? null,
      grades: gradeRows.map((r) => ({ id: r.grade, name: r.grade, figures: r.figures })),
    };
  }

  async school(schoolId: string, now = this.clock()): Promise<SchoolPage | null> {
    const school = await this.store.school(schoolId);
    if (!school) return null;
    const freshness = await this.freshness(now);
    const [gradeRows, days, sinceDay] = await Promise.all([this.store.counts('school', schoolId), this.store.days('school', schoolId), this.sinceDay(now)]);
    const figures = sum(gradeRows);
    return {
      school,
      figures,
      series: this.series(figures, days, now, sinceDay),
      deadline: this.deadline(now),
      freshness,
      grades: gradeRows.map((r) => ({ id: r.grade, name: r.grade, figures: r.figures })),
    };
  }

  async grade(schoolId: string, grade: string, now = this.clock()): Promise<GradePage | null> {
    const school = await this.store.school(schoolId);
    if (!school) return null;
    const freshness = await this.freshness(now);
    const [gradeRows, days, sinceDay, classes] = await Promise.all([
      this.store.counts('school', schoolId),
      this.store.days('school', schoolId, grade),
      this.sinceDay(now),
      this.store.classesWithGrade(schoolId, grade),
    ]);
    const row = gradeRows.find((r) => r.grade === grade);
    if (!row && !classes.length) return null;
    const figures = row?.figures ?? NO_FIGURES;
    const classFigures = await this.store.classFigures(classes.map((c) => c.classId));
    return {
      school,
      grade,
      figures,
      series: this.series(figures, days, now, sinceDay),
      deadline: this.deadline(now),
      freshness,
      classes: classes.map((c) => ({ ...c, figures: classFigures.get(c.classId) ?? NO_FIGURES })),
    };
  }

  /** A class, live. */
  async classPage(classId: string, now = this.clock()): Promise<ClassPage | null> {
    const info = await this.store.classInfo(classId);
    if (!info) return null;
    const buckets = this.buckets(now);
    const [figures, days, students] = await Promise.all([this.store.classFigures([classId]), this.store.classDays(classId, buckets), this.store.classStudents(classId)]);
    const classFigures = figures.get(classId) ?? NO_FIGURES;
    return {
      info,
      students,
      figures: classFigures,
      series: this.series(classFigures, days, now, buckets.sinceDay),
      deadline: this.deadline(now),
      freshness: { refreshedAt: now, updating: false },
    };
  }

  async teacherClasses(teacherId: string): Promise<(ClassInfo & { figures: Figures })[]> {
    const classes = await this.store.teacherClasses(teacherId);
    const figures = await this.store.classFigures(classes.map((c) => c.classId));
    return classes.map((c) => ({ ...c, figures: figures.get(c.classId) ?? NO_FIGURES }));
  }

  teaches(teacherId: string, classId: string): Promise<boolean> {
    return this.store.teaches(teacherId, classId);
  }

  classInfo(classId: string): Promise<ClassInfo | null> {
    return this.store.classInfo(classId);
  }

  schoolOf(schoolId: string): Promise<School | null> {
    return this.store.school(schoolId);
  }

  // ---- The export -------------------------------------------------------------------------------------------------

  /** The students not ready in a scope, live, in batches: by school and then grade and name. */
  async *notReady(scope: ExportScope): AsyncGenerator<NotReadyStudent[]> {
    if (scope.level === 'class') {
      yield await this.store.notReadyOfClass(scope.classId);
      return;
    }
    if (scope.level === 'school' || scope.level === 'grade') {
      yield await this.store.notReadyOfSchool(scope.schoolId, scope.level === 'grade' ? { grade: scope.grade } : {});
      return;
    }
    // Every school of the table (not the summary's list: a school may have been added since it was computed).
    for (const school of (await this.store.allSchools()).sort(byName)) yield await this.store.notReadyOfSchool(school.id, { firstSchoolOnly: true });
    for (let after: string | null = ''; after !== null;) {
      const { students, next } = await this.store.notReadyWithoutSchool(after, EXPORT_WINDOW);
      if (students.length) yield students;
      after = next;
    }
  }

  classesOfStudents(accountIds: string[]) {
    return this.store.classesOfStudents(accountIds);
  }
}
