import type { Kysely } from 'kysely';

/**
 * Picture passwords of young students: the sequence of three pictures, hashed like a password (argon2id). One row per
 * account that has one; it goes with the account.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('picture_passwords')
    .addColumn('account_id', 'text', (c) => c.primaryKey().references('accounts.id').onDelete('cascade'))
    .addColumn('sequence_hash', 'text', (c) => c.notNull())
    .addColumn('set_at', 'bigint', (c) => c.notNull())
    .addColumn('set_by', 'text')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('picture_passwords').ifExists().execute();
}
