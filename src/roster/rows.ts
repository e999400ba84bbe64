import { z } from 'zod';
import { isIssueCode, issueReason, type IssueCode, type IssueParams } from './issue-text.js';

/**
 * One zod schema per OneRoster file: a row's fields (strings, by canonical name) in, a typed record out. Rules
 * follow the spec where it matters to Homeroom and are lenient where exports disagree with it and nothing depends
 * on it: dateLastModified is not read (Homeroom diffs rows itself); status may be empty; booleans and enums are
 * case-insensitive.
 */

// Control characters are exactly what this finds in a field (tab, newline and carriage return excepted).
// eslint-disable-next-line no-control-regex
export const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/;

/*
 * Each field is one string check and one transform: zod chains of refine/pipe/transform cost tens of microseconds a
 * row, which a million-row users.csv cannot afford. Control characters are checked once per row (see PlanIssues.parse).
 */
type Ctx = z.core.$RefinementCtx<string>;
/** Reports a problem by its message id (see issue-text.ts); the field is added by the planner. */
const fail = (ctx: Ctx, issue: IssueCode, params: IssueParams = {}) => {
  ctx.addIssue({ code: 'custom', message: issueReason(issue, { field: '', ...params }).trimStart(), params: { issue, values: params } });
  return z.NEVER;
};

const text = z.string();
const id = text.transform((v, ctx) => {
  const t = v.trim();
  if (!t) return fail(ctx, 'required');
  if (t.length > 255) return fail(ctx, 'tooLong');
  return t;
});
const optional = text.transform((v) => v.trim() || null);
const required = text.transform((v, ctx) => (v.trim() ? v : fail(ctx, 'required')));
/** A comma-separated list in one cell ("09,10,11", "Science, Physics"): items trimmed, empties dropped. */
const list = text.transform((v) => {
  if (!v) return [] as string[];
  const out: string[] = [];
  for (const item of v.split(',')) {
    const t = item.trim();
    if (t) out.push(t);
  }
  return out;
});

const status = text.transform((v, ctx): 'active' | 'tobedeleted' => {
  const t = v.trim().toLowerCase();
  if (t === '' || t === 'active') return 'active';
  if (t === 'tobedeleted') return 'tobedeleted';
  return fail(ctx, 'status');
});

const BOOLEAN_WORDS: Record<string, boolean | null> = { '': null, true: true, false: false, '1': true, '0': false, yes: true, no: false };
const bool = text.transform((v, ctx): boolean | null => {
  const value = BOOLEAN_WORDS[v.trim().toLowerCase()];
  return value === undefined ? fail(ctx, 'boolean') : value;
});

const DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?$/;
const date = text.transform((v, ctx): string | null => {
  const t = v.trim();
  if (t === '') return null;
  return DATE.test(t) ? t.slice(0, 10) : fail(ctx, 'date');
});

/** OneRoster enums, case-insensitive on input, canonical on output. */
function oneOf<const T extends readonly string[]>(values: T, issue: IssueCode) {
  const byLower = new Map(values.map((v) => [v.toLowerCase(), v]));
  return text.transform((v, ctx): T[number] => {
    const found = byLower.get(v.trim().toLowerCase());
    return found ? (found as T[number]) : fail(ctx, issue, { value: v.trim(), values: values.join(', ') });
  });
}

export const ONEROSTER_ROLES = [
  'administrator',
  'aide',
  'guardian',
  'parent',
  'proctor',
  'relative',
  'student',
  'teacher',
  'districtAdministrator',
  'siteAdministrator',
  'systemAdministrator',
  'principal',
] as const;
export type OneRosterRole = (typeof ONEROSTER_ROLES)[number];

export const ORG_TYPES = ['department', 'school', 'district', 'local', 'state', 'national'] as const;
export const SESSION_TYPES = ['gradingPeriod', 'semester', 'schoolYear', 'term'] as const;

export const orgRow = z.object({
  sourcedId: id,
  status,
  name: required,
  type: oneOf(ORG_TYPES, 'notOrgType'),
  identifier: optional,
  parentSourcedId: optional,
});
export type OrgRecord = z.output<typeof orgRow>;

export const sessionRow = z.object({
  sourcedId: id,
  status,
  title: required,
  type: oneOf(SESSION_TYPES, 'notSessionType'),
  startDate: date,
  endDate: date,
  parentSourcedId: optional,
  schoolYear: optional,
});
export type SessionRecord = z.output<typeof sessionRow>;

export const courseRow = z.object({
  sourcedId: id,
  status,
  title: required,
  courseCode: optional,
  schoolYearSourcedId: optional,
  grades: list,
  orgSourcedId: optional,
  subjects: list,
});
export type CourseRecord = z.output<typeof courseRow>;

export const classRow = z.object({
  sourcedId: id,
  status,
  title: required,
  grades: list,
  courseSourcedId: optional,
  classCode: optional,
  classType: text.transform((v) => v.trim().toLowerCase() || null),
  location: optional,
  schoolSourcedId: id,
  termSourcedIds: list,
  subjects: list,
  periods: list,
});
export type ClassRecord = z.output<typeof classRow>;

export const roleRow = z.object({
  sourcedId: optional,
  status,
  userSourcedId: id,
  roleType: text.transform((v, ctx): 'primary' | 'secondary' => {
    const t = v.trim().toLowerCase();
    if (t === '' || t === 'primary') return 'primary';
    return t === 'secondary' ? 'secondary' : fail(ctx, 'roleType');
  }),
  role: oneOf(ONEROSTER_ROLES, 'notOneRosterRole'),
  orgSourcedId: optional,
  beginDate: date,
  endDate: date,
});
export type RoleRecord = z.output<typeof roleRow>;

export const userRow = z.object({
  sourcedId: id,
  status,
  enabledUser: bool,
  orgSourcedIds: list,
  role: text.transform((v) => v.trim()),
  username: optional,
  userIds: optional,
  givenName: required,
  familyName: required,
  middleName: optional,
  identifier: optional,
  email: optional,
  grades: list,
  primaryOrgSourcedId: optional,
});
export type UserRecord = z.output<typeof userRow>;

export const enrollmentRow = z.object({
  sourcedId: id,
  status,
  classSourcedId: id,
  schoolSourcedId: optional,
  userSourcedId: id,
  role: oneOf(ONEROSTER_ROLES, 'notOneRosterRole'),
  primary: bool,
  beginDate: date,
  endDate: date,
});
export type EnrollmentRecord = z.output<typeof enrollmentRow>;

/** A zod failure as (field, reason) pairs, for the report. */
/** Each problem of a row, with its field and, for Homeroom's own checks, its message id and values. */
export function issuesOf(error: z.ZodError): { field: string; reason: string; code?: IssueCode; params?: IssueParams }[] {
  return error.issues.map((issue) => {
    const own = issue.code === 'custom' ? (issue.params as { issue?: unknown; values?: IssueParams } | undefined) : undefined;
    const field = String(issue.path[0] ?? '');
    return isIssueCode(own?.issue) ? { field, reason: issue.message, code: own.issue, params: own.values ?? {} } : { field, reason: issue.message };
  });
}

const ROLE_BY_LOWER = new Map<string, OneRosterRole>(ONEROSTER_ROLES.map((r) => [r.toLowerCase(), r]));
const BOOLEANS: Record<string, boolean | null> = { '': null, true: true, false: false, '1': true, '0': false, yes: true, no: false };
const PLAIN_DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The enrollment schema's fast path, for the millions of rows of a first import: accepts only rows that
 * `enrollmentRow` certainly accepts, with the same result, and returns null for anything else, which then goes
 * through zod (for its verdict and its messages). A test checks the two agree.
 */
export function fastEnrollment(
  sourcedId: string,
  status: string,
  classSourcedId: string,
  schoolSourcedId: string,
  userSourcedId: string,
  role: string,
  primary: string,
  beginDate: string,
  endDate: string,
): EnrollmentRecord | null {
  for (const value of [sourcedId, status, classSourcedId, schoolSourcedId, userSourcedId, role, primary, beginDate, endDate]) if (CONTROL.test(value)) return null;
  const id = sourcedId.trim();
  const cls = classSourcedId.trim();
  const user = userSourcedId.trim();
  if (!id || !cls || !user || id.length > 255 || cls.length > 255 || user.length > 255) return null;
  const state = status.trim().toLowerCase();
  if (state !== '' && state !== 'active' && state !== 'tobedeleted') return null;
  const knownRole = ROLE_BY_LOWER.get(role.trim().toLowerCase());
  if (!knownRole) return null;
  const flag = BOOLEANS[primary.trim().toLowerCase()];
  if (flag === undefined) return null;
  const begin = beginDate.trim();
  const end = endDate.trim();
  if ((begin && !PLAIN_DATE.test(begin)) || (end && !PLAIN_DATE.test(end))) return null;
  return {
    sourcedId: id,
    status: state === 'tobedeleted' ? 'tobedeleted' : 'active',
    classSourcedId: cls,
    schoolSourcedId: schoolSourcedId.trim() || null,
    userSourcedId: user,
    role: knownRole,
    primary: flag,
    beginDate: begin || null,
    endDate: end || null,
  };
}

/*
 * Fast paths for the big files' other schemas, as for enrollments: given a row's fields by name (control characters
 * already ruled out), each returns exactly what its zod schema returns for a row that schema accepts, and null for
 * anything it is not sure of (zod then gives the verdict and the messages). Tests check them against zod.
 */
type Fields = Record<string, string>;
const fastId = (v: string): string | null => {
  const t = v.trim();
  return t && t.length <= 255 ? t : null;
};
const fastOptional = (v: string): string | null => v.trim() || null;
const fastList = (v: string): string[] => {
  if (!v) return [];
  const out: string[] = [];
  for (const item of v.split(',')) {
    const t = item.trim();
    if (t) out.push(t);
  }
  return out;
};
/** undefined: not a status zod accepts. */
const fastStatus = (v: string): 'active' | 'tobedeleted' | undefined => {
  const t = v.trim().toLowerCase();
  return t === '' || t === 'active' ? 'active' : t === 'tobedeleted' ? 'tobedeleted' : undefined;
};
const FULL_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?$/;
/** undefined: not a date zod accepts. */
const fastDate = (v: string): string | null | undefined => {
  const t = v.trim();
  if (t === '') return null;
  return FULL_DATE.test(t) ? t.slice(0, 10) : undefined;
};

export function fastUser(f: Fields): UserRecord | null {
  const sourcedId = fastId(f.sourcedId);
  const status = fastStatus(f.status);
  const enabledUser = BOOLEANS[f.enabledUser.trim().toLowerCase()];
  if (!sourcedId || !status || enabledUser === undefined || !f.givenName.trim() || !f.familyName.trim()) return null;
  return {
    sourcedId,
    status,
    enabledUser,
    orgSourcedIds: fastList(f.orgSourcedIds),
    role: f.role.trim(),
    username: fastOptional(f.username),
    userIds: fastOptional(f.userIds),
    givenName: f.givenName,
    familyName: f.familyName,
    middleName: fastOptional(f.middleName),
    identifier: fastOptional(f.identifier),
    email: fastOptional(f.email),
    grades: fastList(f.grades),
    primaryOrgSourcedId: fastOptional(f.primaryOrgSourcedId),
  };
}

export function fastClass(f: Fields): ClassRecord | null {
  const sourcedId = fastId(f.sourcedId);
  const schoolSourcedId = fastId(f.schoolSourcedId);
  const status = fastStatus(f.status);
  if (!sourcedId || !schoolSourcedId || !status || !f.title.trim()) return null;
  return {
    sourcedId,
    status,
    title: f.title,
    grades: fastList(f.grades),
    courseSourcedId: fastOptional(f.courseSourcedId),
    classCode: fastOptional(f.classCode),
    classType: f.classType.trim().toLowerCase() || null,
    location: fastOptional(f.location),
    schoolSourcedId,
    termSourcedIds: fastList(f.termSourcedIds),
    subjects: fastList(f.subjects),
    periods: fastList(f.periods),
  };
}

export function fastRole(f: Fields): RoleRecord | null {
  const userSourcedId = fastId(f.userSourcedId);
  const status = fastStatus(f.status);
  const type = f.roleType.trim().toLowerCase();
  const role = ROLE_BY_LOWER.get(f.role.trim().toLowerCase());
  const beginDate = fastDate(f.beginDate);
  const endDate = fastDate(f.endDate);
  if (!userSourcedId || !status || !role || beginDate === undefined || endDate === undefined) return null;
  if (type !== '' && type !== 'primary' && type !== 'secondary') return null;
  return {
    sourcedId: fastOptional(f.sourcedId),
    status,
    userSourcedId,
    roleType: type === 'secondary' ? 'secondary' : 'primary',
    role,
    orgSourcedId: fastOptional(f.orgSourcedId),
    beginDate,
    endDate,
  };
}
