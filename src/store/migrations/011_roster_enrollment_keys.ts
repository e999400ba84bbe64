import { type Kysely } from 'kysely';

/**
 * roster_enrollments_key: enrollments by the high half of their sourcedId's key hash. An import no longer holds every
 * stored enrollment in memory (see EnrollmentPlanner.readEnrollments): it finds the few it has to by their key here, such as an
 * enrollment that moved to another student or is listed twice.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('roster_enrollments_key').on('roster_enrollments').column('key_hi').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('roster_enrollments_key').execute();
}
