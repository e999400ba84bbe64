import type { StudentListing } from '../accounts/account.js';
import type { OffsetPeriod } from './calendar.js';
import type { Figures } from './figures.js';

/** Storage the readiness dashboard needs, implemented in src/store/readiness-repo.ts for SQLite and PostgreSQL. */

/** Where the day numbers of claims and first sign-ins start, and how to turn timestamps into local days. */
export interface DayBuckets {
  /** Only claims and first sign-ins from this instant on are counted per day (earlier ones only in the totals). */
  since: number;
  /** The district's UTC offsets from `since` on (more than one across daylight-saving changes). */
  periods: OffsetPeriod[];
}

/**
 * One group of the district's active students, as the summary computation reads them: students of one school
 * (`schoolId` '' when they have none; null for a row that counts for the district only), grade, claim and sign-in
 * state, and the local days of the claim and of the first sign-in (null before `since`, or when there is none).
 */
export interface CubeRow {
  schoolId: string | null;
  /** Counts for the district: counting these rows counts each student once (their first school, or a district row). */
  firstSchool: boolean;
  grade: string;
  claimed: boolean;
  signedIn: boolean;
  claimedDay: number | null;
  loginDay: number | null;
  count: number;
}

export type SummaryScope = 'district' | 'school';

export interface SummaryCounts {
  scope: SummaryScope;
  /** '' for the district, else the school id. */
  scopeId: string;
  grade: string;
  figures: Figures;
}

/** New claims and first sign-ins of one local day (days since 1970-01-01). */
export interface DayCount {
  day: number;
  claimed: number;
  signedIn: number;
}

export interface SummaryDay extends DayCount {
  scope: SummaryScope;
  scopeId: string;
  grade: string;
}

export interface SummaryState {
  /** null: never computed. */
  refreshedAt: number | null;
  durationMs: number | null;
  timeZone: string | null;
  sinceDay: number | null;
  /** Someone is computing it until then. */
  leaseUntil: number | null;
}

export interface School {
  id: string;
  name: string;
}

export interface ClassInfo {
  classId: string;
  title: string;
  classType: string | null;
  schoolId: string;
  schoolName: string | null;
}

/** A student of a class page. */
export interface ClassStudent extends StudentListing {
  claimed: boolean;
  firstLoginAt: number | null;
}

/** A student who is not ready, as the export lists them. */
export interface NotReadyStudent extends StudentListing {
  schoolName: string | null;
  claimed: boolean;
  signedIn: boolean;
}

/** A class a student is enrolled in, with its teachers: the export's homeroom and teacher columns. */
export interface StudentClass {
  accountId: string;
  title: string;
  homeroom: boolean;
  teachers: string[];
}

export interface NotReadyFilter {
  schoolId?: string;
  grade?: string;
  /** At district level a student in two schools is listed once, under the first (as the district figures count them). */
  firstSchoolOnly?: boolean;
}

export interface ReadinessStore {
  /** The heavy part of a refresh: every active student, grouped (one pass over the accounts). */
  cube(buckets: DayBuckets): Promise<CubeRow[]>;
  /** Replaces the whole summary in one transaction. */
  replaceSummary(counts: SummaryCounts[], days: SummaryDay[], state: { refreshedAt: number; durationMs: number; timeZone: string; sinceDay: number }): Promise<void>;
  state(): Promise<SummaryState>;
  /** Takes the right to compute the summary until `until` (false: someone else holds it). */
  lease(now: number, until: number): Promise<boolean>;
  releaseLease(): Promise<void>;
  /** When the last roster import that changed something finished (the summary is stale after it). */
  lastRosterImport(): Promise<number | null>;

  counts(scope: SummaryScope, scopeId?: string): Promise<SummaryCounts[]>;
  /** The district's per-school rows, all schools at once. */
  schoolCounts(): Promise<SummaryCounts[]>;
  days(scope: SummaryScope, scopeId: string, grade?: string): Promise<DayCount[]>;

  schools(ids: string[]): Promise<School[]>;
  allSchools(): Promise<School[]>;
  school(id: string): Promise<School | null>;

  classInfo(classId: string): Promise<ClassInfo | null>;
  /** Active classes of a school in which active students of a grade are enrolled. */
  classesWithGrade(schoolId: string, grade: string): Promise<ClassInfo[]>;
  /** Classes a teacher (or aide) teaches. */
  teacherClasses(teacherId: string): Promise<ClassInfo[]>;
  teaches(teacherId: string, classId: string): Promise<boolean>;
  /** Whole-class figures of each class (active students enrolled as students). */
  classFigures(classIds: string[]): Promise<Map<string, Figures>>;
  classDays(classId: string, buckets: DayBuckets): Promise<DayCount[]>;
  classStudents(classId: string): Promise<ClassStudent[]>;

  /** Students not ready, ordered by grade and name. */
  notReadyOfSchool(schoolId: string, filter: NotReadyFilter): Promise<NotReadyStudent[]>;
  notReadyOfClass(classId: string): Promise<NotReadyStudent[]>;
  /**
   * Students in no school, among the next `limit` students in account order after `afterId`; `next` is where the
   * following window starts (null: this was the last).
   */
  notReadyWithoutSchool(afterId: string, limit: number): Promise<{ students: NotReadyStudent[]; next: string | null }>;
  /** Active classes of these students, with their teachers. */
  classesOfStudents(accountIds: string[]): Promise<StudentClass[]>;
}
