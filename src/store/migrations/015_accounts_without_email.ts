import { type Kysely, sql } from 'kysely';

/**
 * The Google Workspace page counts and pages the active accounts that have no roster email. Where the roster gives
 * most people an address, this index holds only the few that have none, so the page reads those rather than every
 * account, with their ids to look their roles up without reading the accounts themselves. Its condition is written
 * exactly as the query's, with literals: SQLite uses a partial index only for a query that repeats its condition.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createIndex('accounts_without_email')
    .on('accounts')
    .columns(['username_key', 'id'])
    .where(sql<boolean>`status = 'active' and (email is null or email = '')`)
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('accounts_without_email').execute();
}
