import type { Kysely } from 'kysely';

/**
 * Faster roster re-imports.
 * - roster_enrollments.key_hi/key_lo: the 64-bit hash of the sourcedId that the importer's index is keyed on (see
 *   src/roster/key-index.ts), stored so that loading millions of stored enrollments reads integers only instead of
 *   hashing every sourcedId again. Null for rows written before this migration (hashed at load, as before).
 * - account_schools_school (school_id) is covered by account_schools_school_account (school_id, account_id): one
 *   index less to maintain for every account a roster import creates.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('roster_enrollments').addColumn('key_hi', 'bigint').execute();
  await db.schema.alterTable('roster_enrollments').addColumn('key_lo', 'bigint').execute();
  await db.schema.dropIndex('account_schools_school').ifExists().execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('account_schools_school').on('account_schools').column('school_id').execute();
  await db.schema.alterTable('roster_enrollments').dropColumn('key_lo').execute();
  await db.schema.alterTable('roster_enrollments').dropColumn('key_hi').execute();
}
