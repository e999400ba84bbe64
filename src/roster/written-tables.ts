/**
 * The rows the planner hands to the writer, as column lists (storage/writer.ts maps them onto tables). Apart from the
 * planner so the writer thread, which only writes, starts without loading the planner and its parsers (it is on the
 * import's critical path).
 */
export const ENTITY_FILES = ['orgs', 'academicSessions', 'courses', 'classes'] as const;
export type EntityFile = (typeof ENTITY_FILES)[number];

export const USER_COLUMNS = [
  'op',
  'sourced_id',
  'account_id',
  'username',
  'username_key',
  'given_name',
  'family_name',
  'email',
  'student_id',
  'grade',
  'roles',
  'schools',
  'role',
  'identifier',
  'user_ids',
  'org_ids',
  'grades',
  'enabled',
  'row_hash',
  'line_hash',
] as const;
export const ENROLLMENT_COLUMNS = ['sourced_id', 'class_id', 'user_id', 'school_id', 'role', 'is_primary', 'begin_date', 'end_date', 'row_hash', 'key_hi', 'key_lo'] as const;
