import { type Kysely, PostgresAdapter, sql } from 'kysely';

/**
 * The admin console: per-language names and descriptions of apps and who sees their tiles, app icons, help links
 * managed in the database, policy overrides, and an index for searching the audit log by actor.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;

  // JSON columns: {"en": …, "fr": …} for names and descriptions; arrays of school ids and grades (null: everyone).
  for (const column of ['names', 'descriptions', 'portal_schools', 'portal_grades', 'icon_etag']) {
    await db.schema.alterTable('oidc_clients').addColumn(column, 'text').execute();
  }

  await db.schema
    .createTable('app_icons')
    .addColumn('client_id', 'text', (c) => c.primaryKey().references('oidc_clients.client_id').onDelete('cascade'))
    .addColumn('content_type', 'text', (c) => c.notNull())
    .addColumn('data', postgres ? sql`bytea` : 'blob', (c) => c.notNull())
    .addColumn('etag', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('help_links')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('roles', 'text')
    .addColumn('show_on_login', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('position', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('policy_overrides')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_by', 'text')
    .execute();

  await db.schema.createIndex('audit_events_actor').on('audit_events').columns(['actor_id', 'at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('audit_events_actor').ifExists().execute();
  for (const table of ['policy_overrides', 'help_links', 'app_icons']) await db.schema.dropTable(table).ifExists().execute();
  for (const column of ['names', 'descriptions', 'portal_schools', 'portal_grades', 'icon_etag']) {
    await db.schema.alterTable('oidc_clients').dropColumn(column).execute();
  }
}
