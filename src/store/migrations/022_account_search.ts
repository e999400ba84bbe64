import { type Kysely, PostgresAdapter, sql } from 'kysely';

/**
 * The console's account search finds people by the start of their family name (then given name) among a million
 * accounts. The search compares lower-cased names by code point, so the index orders them the same way: SQLite's
 * default collation already does, PostgreSQL's database collation may not (an en_US collation skips punctuation),
 * hence "C" there. The query repeats these expressions exactly, or neither engine would use the index.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  const byCodePoint = postgres ? sql` collate "C"` : sql``;
  await sql`create index accounts_name_key on accounts ((lower(family_name)${byCodePoint}), (lower(given_name)${byCodePoint}), id)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('accounts_name_key').ifExists().execute();
}
