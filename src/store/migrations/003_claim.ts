import { type Kysely, sql } from 'kysely';

/** Claiming an account: challenge answers, and fast lookup of a student by the ID families type. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('challenge_answers')
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('question_id', 'text', (c) => c.notNull())
    .addColumn('answer_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('challenge_answers_pk', ['account_id', 'position'])
    .execute();
  // Families type the ID with or without leading zeros; the lookup compares IDs without them.
  await db.schema
    .createIndex('accounts_student_key')
    .on('accounts')
    .expression(sql`lower(ltrim(student_id, '0'))`)
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('accounts_student_key').ifExists().execute();
  await db.schema.dropTable('challenge_answers').ifExists().execute();
}
