import { type Kysely, sql } from 'kysely';

/** Account-reset tickets: a teacher asks, the help desk approves or rejects (or the reset is direct). */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('reset_tickets')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('teacher_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('note', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('decided_at', 'bigint')
    .addColumn('decided_by', 'text')
    .execute();
  // One open ticket per student, enforced by the database so two teachers at once cannot both open one.
  await sql`create unique index reset_tickets_one_open on reset_tickets (account_id) where status = 'open'`.execute(db);
  await db.schema.createIndex('reset_tickets_status').on('reset_tickets').columns(['status', 'created_at']).execute();
  await db.schema.createIndex('reset_tickets_teacher').on('reset_tickets').columns(['teacher_id', 'created_at']).execute();
  await db.schema.createIndex('reset_tickets_account').on('reset_tickets').columns(['account_id', 'created_at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('reset_tickets').ifExists().execute();
}
