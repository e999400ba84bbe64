import { z } from 'zod';

/**
 * One zod schema per OneRoster file: a row's fields (strings, by canonical name) in, a typed record out. Rules
 * follow the spec where it matters to Homeroom and are lenient where exports disagree with it and nothing depends
 * on it: dateLastModified is not read (Homeroom diffs rows itself); status may be empty; booleans and enums are
 * case-insensitive.
 */

const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/;

const text = z.string().refine((v) => !CONTROL.test(v), 'contains control characters');
const id = text.transform((v) => v.trim()).pipe(z.string().min(1, 'is required').max(255, 'is longer than 255 characters'));
const optional = text.transform((v) => v.trim() || null);
const required = text.refine((v) => v.trim().length > 0, 'is required');
/** A comma-separated list in one cell ("09,10,11", "Science, Physics"): items trimmed, empties dropped. */
const list = text.transform((v) =>
  v
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean),
);

const status = text
  .transform((v) => v.trim().toLowerCase())
  .pipe(z.enum(['', 'active', 'tobedeleted'], { error: 'must be active or tobedeleted (or empty)' }))
  .transform((v) => (v === 'tobedeleted' ? 'tobedeleted' : 'active'));

const bool = text
  .transform((v) => v.trim().toLowerCase())
  .pipe(z.enum(['', 'true', 'false', '1', '0', 'yes', 'no'], { error: 'must be true or false' }))
  .transform((v) => (v === '' ? null : v === 'true' || v === '1' || v === 'yes'));

const DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?$/;
const date = text
  .transform((v) => v.trim())
  .refine((v) => v === '' || DATE.test(v), 'must be a date (YYYY-MM-DD)')
  .transform((v) => (v === '' ? null : v.slice(0, 10)));

/** OneRoster enums, case-insensitive on input, canonical on output. */
function oneOf<const T extends readonly string[]>(values: T, what: string) {
  const byLower = new Map(values.map((v) => [v.toLowerCase(), v]));
  return text.transform((v, ctx) => {
    const found = byLower.get(v.trim().toLowerCase());
    if (!found) {
      ctx.addIssue({ code: 'custom', message: `"${v.trim()}" is not a ${what} (${values.join(', ')})` });
      return z.NEVER;
    }
    return found as T[number];
  });
}

export const ONEROSTER_ROLES = [
  'administrator', 'aide', 'guardian', 'parent', 'proctor', 'relative', 'student', 'teacher', 'districtAdministrator',
  'siteAdministrator', 'systemAdministrator', 'principal',
] as const;
export type OneRosterRole = (typeof ONEROSTER_ROLES)[number];

export const ORG_TYPES = ['department', 'school', 'district', 'local', 'state', 'national'] as const;
export const SESSION_TYPES = ['gradingPeriod', 'semester', 'schoolYear', 'term'] as const;

export const orgRow = z.object({
  sourcedId: id,
  status,
  name: required,
  type: oneOf(ORG_TYPES, 'org type'),
  identifier: optional,
  parentSourcedId: optional,
});
export type OrgRecord = z.output<typeof orgRow>;

export const sessionRow = z.object({
  sourcedId: id,
  status,
  title: required,
  type: oneOf(SESSION_TYPES, 'session type'),
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
  classType: optional.transform((v) => v?.toLowerCase() ?? null),
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
  roleType: text
    .transform((v) => v.trim().toLowerCase())
    .pipe(z.enum(['', 'primary', 'secondary'], { error: 'must be primary or secondary' }))
    .transform((v) => (v === 'secondary' ? 'secondary' : 'primary')),
  role: oneOf(ONEROSTER_ROLES, 'OneRoster role'),
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
  role: oneOf(ONEROSTER_ROLES, 'OneRoster role'),
  primary: bool,
  beginDate: date,
  endDate: date,
});
export type EnrollmentRecord = z.output<typeof enrollmentRow>;

/** A zod failure as (field, reason) pairs, for the report. */
export function issuesOf(error: z.ZodError): { field: string; reason: string }[] {
  return error.issues.map((issue) => ({ field: String(issue.path[0] ?? ''), reason: issue.message }));
}
