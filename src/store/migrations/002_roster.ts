import { type Kysely, PostgresAdapter } from 'kysely';

/**
 * The roster from the student-information system (OneRoster): orgs as schools, academic sessions, courses, classes,
 * the roster identity of each account, enrollments, and a record of every import. Each roster row keeps a hash of
 * its stored values (`row_hash`) so a nightly re-import compares one number per row.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;

  await db.schema.alterTable('accounts').addColumn('first_seen_at', 'bigint').execute();

  for (const [column, type] of [
    ['type', 'text'],
    ['identifier', 'text'],
    ['parent_id', 'text'],
    ['status', 'text'],
    ['row_hash', 'bigint'],
    ['updated_at', 'bigint'],
  ] as const) {
    await db.schema.alterTable('schools').addColumn(column, type).execute();
  }

  await db.schema
    .createTable('roster_users')
    .addColumn('sourced_id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().unique().references('accounts.id').onDelete('cascade'))
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('identifier', 'text')
    .addColumn('user_ids', 'text')
    .addColumn('org_ids', 'text', (c) => c.notNull())
    .addColumn('grades', 'text')
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('disabled_by_roster', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('row_hash', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('roster_sessions')
    .addColumn('sourced_id', 'text', (c) => c.primaryKey())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('start_date', 'text')
    .addColumn('end_date', 'text')
    .addColumn('parent_id', 'text')
    .addColumn('school_year', 'text')
    .addColumn('row_hash', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('roster_courses')
    .addColumn('sourced_id', 'text', (c) => c.primaryKey())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('course_code', 'text')
    .addColumn('org_id', 'text')
    .addColumn('school_year_id', 'text')
    .addColumn('grades', 'text')
    .addColumn('subjects', 'text')
    .addColumn('row_hash', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('roster_classes')
    .addColumn('sourced_id', 'text', (c) => c.primaryKey())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('class_code', 'text')
    .addColumn('class_type', 'text')
    .addColumn('location', 'text')
    .addColumn('school_id', 'text', (c) => c.notNull())
    .addColumn('course_id', 'text')
    .addColumn('term_ids', 'text')
    .addColumn('grades', 'text')
    .addColumn('subjects', 'text')
    .addColumn('periods', 'text')
    .addColumn('row_hash', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('roster_classes_school').on('roster_classes').column('school_id').execute();

  // Enrollments carry an integer id so a re-import can address millions of rows by a compact in-memory index; the
  // sourcedId is stored (and checked on update) but not indexed: nothing looks enrollments up by it.
  await db.schema
    .createTable('roster_enrollments')
    // INTEGER PRIMARY KEY is SQLite's rowid (no AUTOINCREMENT bookkeeping per insert).
    .addColumn('id', postgres ? 'bigserial' : 'integer', (c) => c.primaryKey())
    .addColumn('sourced_id', 'text', (c) => c.notNull())
    .addColumn('class_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('school_id', 'text')
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('is_primary', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('begin_date', 'text')
    .addColumn('end_date', 'text')
    .addColumn('row_hash', 'bigint', (c) => c.notNull())
    .execute();
  // "Students of a teacher's classes": the teacher's classes by user, then the class's students by (class, role).
  await db.schema.createIndex('roster_enrollments_class').on('roster_enrollments').columns(['class_id', 'role', 'user_id']).execute();
  await db.schema.createIndex('roster_enrollments_user').on('roster_enrollments').column('user_id').execute();

  await db.schema
    .createTable('roster_runs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    .addColumn('finished_at', 'bigint')
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('mode', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('summary', 'text', (c) => c.notNull())
    .addColumn('errors', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('roster_runs_started').on('roster_runs').column('started_at').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['roster_runs', 'roster_enrollments', 'roster_classes', 'roster_courses', 'roster_sessions', 'roster_users']) {
    await db.schema.dropTable(table).ifExists().execute();
  }
  for (const column of ['type', 'identifier', 'parent_id', 'status', 'row_hash', 'updated_at']) {
    await db.schema.alterTable('schools').dropColumn(column).execute();
  }
  await db.schema.alterTable('accounts').dropColumn('first_seen_at').execute();
}
