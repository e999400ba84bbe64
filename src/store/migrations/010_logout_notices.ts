import type { Kysely } from 'kysely';

/**
 * logout_notices: back-channel logout notices owed to apps for sessions ended outside a request (a roster import
 * that disables accounts, run by the CLI or the watched folder). The import records them in its own transaction; the
 * running server sends them (see src/oidc/logout-notices.ts), so a withdrawn student's apps hear of it even when the
 * import ran in another process.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('logout_notices')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('sid', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('logout_notices_pk', ['account_id', 'client_id', 'sid'])
    .execute();
  await db.schema.createIndex('logout_notices_next').on('logout_notices').column('next_at').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('logout_notices').execute();
}
