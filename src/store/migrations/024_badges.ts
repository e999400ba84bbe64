import { sql, type Kysely } from 'kysely';

/**
 * Young students' QR badges: each badge's secret as a keyed digest (the sign-in looks it up) and sealed (a sheet can
 * be printed again without voiding the card in the child's pocket). A voided badge keeps its row, so using it is
 * recognised and audited. Apps carry a "for young students" flag: what a badge or pictures sign-in may open.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('badges')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('secret_digest', 'text', (c) => c.notNull().unique())
    .addColumn('secret_sealed', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('voided_at', 'bigint')
    .addColumn('last_used_at', 'bigint')
    .execute();
  await db.schema.createIndex('badges_account').on('badges').column('account_id').execute();
  // One badge in use per student, whatever two teachers printing at once do.
  await db.schema.createIndex('badges_one_active').on('badges').column('account_id').unique().where(sql.ref('voided_at'), 'is', null).execute();
  await db.schema
    .alterTable('oidc_clients')
    .addColumn('for_young_students', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .alterTable('saml_service_providers')
    .addColumn('for_young_students', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('saml_service_providers').dropColumn('for_young_students').execute();
  await db.schema.alterTable('oidc_clients').dropColumn('for_young_students').execute();
  await db.schema.dropTable('badges').ifExists().execute();
}
