/**
 * The rows the planner hands to the writer, as column lists and tables. Apart from plan.ts so the writer thread,
 * which only writes, starts without loading the planner and its parsers (it is on the import's critical path).
 */
export const ENTITY_FILES = ['orgs', 'academicSessions', 'courses', 'classes'] as const;
export type EntityFile = (typeof ENTITY_FILES)[number];

export const USER_COLUMNS = [
  'op', 'sourced_id', 'account_id', 'username', 'username_key', 'given_name', 'family_name', 'email', 'student_id', 'grade', 'roles',
  'schools', 'role', 'identifier', 'user_ids', 'org_ids', 'grades', 'enabled', 'row_hash', 'line_hash',
] as const;
export const ENROLLMENT_COLUMNS = ['sourced_id', 'class_id', 'user_id', 'school_id', 'role', 'is_primary', 'begin_date', 'end_date', 'row_hash', 'key_hi', 'key_lo'] as const;
export const ENTITY_COLUMNS: Record<EntityFile, readonly string[]> = {
  orgs: ['id', 'name', 'type', 'identifier', 'parent_id', 'status', 'row_hash'],
  academicSessions: ['sourced_id', 'title', 'type', 'start_date', 'end_date', 'parent_id', 'school_year', 'status', 'row_hash'],
  courses: ['sourced_id', 'title', 'course_code', 'org_id', 'school_year_id', 'grades', 'subjects', 'status', 'row_hash'],
  classes: [
    'sourced_id', 'title', 'class_code', 'class_type', 'location', 'school_id', 'course_id', 'term_ids', 'grades', 'subjects', 'periods',
    'status', 'row_hash',
  ],
};
export const ENTITY_TABLES: Record<EntityFile, string> = {
  orgs: 'schools',
  academicSessions: 'roster_sessions',
  courses: 'roster_courses',
  classes: 'roster_classes',
};
