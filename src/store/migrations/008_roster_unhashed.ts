import { sql, type Kysely } from 'kysely';

/**
 * roster_enrollments_unhashed: the (rare, pre-007) enrollments without a stored key hash. Each import looks for them
 * before using the stored hashes; without this index, finding that there are none read the whole table (0.3 s at
 * 1.6 million rows). The index holds only those rows, so it costs nothing to keep.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`CREATE INDEX roster_enrollments_unhashed ON roster_enrollments (id) WHERE key_hi IS NULL`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('roster_enrollments_unhashed').execute();
}
