import type { Kysely } from 'kysely';

/**
 * roster_users.line_hash: the hash of the user's users.csv line as it was last imported, in its context (the header,
 * the user's roles.csv rows, the username settings; see UserPlanner.readUsers). A re-import recognises an unchanged user
 * from its line without parsing it. Null for users imported before this migration (their next import sets it).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('roster_users').addColumn('line_hash', 'bigint').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('roster_users').dropColumn('line_hash').execute();
}
