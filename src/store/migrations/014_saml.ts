import type { Kysely } from 'kysely';

/**
 * The SAML 2.0 identity provider: the service providers (apps) registered with it, its signing keys and
 * certificates, the SAML sessions it opened (for single logout), and the IDs of the requests it accepted (replays are
 * refused across every process sharing the database).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('saml_service_providers')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('entity_id', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    // JSON: endpoints, certificate, NameID, attributes, signing and tile settings (see src/saml/service-providers.ts).
    .addColumn('settings', 'text', (c) => c.notNull())
    .addColumn('portal', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('saml_signing_keys')
    .addColumn('kid', 'text', (c) => c.primaryKey())
    .addColumn('private_key', 'text', (c) => c.notNull())
    .addColumn('certificate', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    // When it starts signing; published in the metadata from created_at.
    .addColumn('active_from', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('saml_sessions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('provider_id', 'text', (c) => c.notNull())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('name_id', 'text', (c) => c.notNull())
    .addColumn('name_id_format', 'text', (c) => c.notNull())
    .addColumn('session_index', 'text', (c) => c.notNull())
    // The sign-in session of the provider it belongs to, as the SAML bridge knows it (its `sid`).
    .addColumn('sid', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    // Set when the Homeroom session ended; the service provider may still be owed a LogoutRequest.
    .addColumn('ended_at', 'bigint')
    .execute();
  await db.schema.createIndex('saml_sessions_sid').on('saml_sessions').column('sid').execute();
  await db.schema.createIndex('saml_sessions_index').on('saml_sessions').columns(['provider_id', 'session_index']).execute();

  await db.schema
    .createTable('saml_request_ids')
    .addColumn('provider_id', 'text', (c) => c.notNull())
    .addColumn('request_id', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('saml_request_ids_pk', ['provider_id', 'request_id'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['saml_request_ids', 'saml_sessions', 'saml_signing_keys', 'saml_service_providers']) await db.schema.dropTable(table).ifExists().execute();
}
