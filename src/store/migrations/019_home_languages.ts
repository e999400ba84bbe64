import type { Kysely } from 'kysely';

/**
 * Each student's home language, from the roster's column or the district's mapping file: the default language of the
 * student's pages and of the letter to the family. A table of its own so the roster import's account writes stay as
 * they are.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('home_languages')
    .addColumn('account_id', 'text', (c) => c.primaryKey().references('accounts.id').onDelete('cascade'))
    // A locale code Homeroom serves (en, es, ar …).
    .addColumn('language', 'text', (c) => c.notNull())
    // 'roster' (the users.csv column) or 'file' (homeroom languages import).
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('home_languages').execute();
}
