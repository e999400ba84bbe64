import type { Kysely } from 'kysely';

/**
 * Passkeys and security keys (WebAuthn) beside authenticator apps: a passkey is a row of `mfa_factors` of kind
 * `passkey` holding its credential id and public key (nothing secret: its `secret_sealed` is empty). The credential
 * id is unique, so a username-less sign-in finds its account in one indexed query.
 *
 * `accounts.mfa_grace_from`: when an account that must use a second factor first signed in without one; the grace
 * period to set one up counts from there.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('mfa_factors').addColumn('credential_id', 'text').execute();
  await db.schema.alterTable('mfa_factors').addColumn('public_key', 'text').execute();
  await db.schema.alterTable('mfa_factors').addColumn('sign_count', 'bigint').execute();
  await db.schema.alterTable('mfa_factors').addColumn('transports', 'text').execute();
  await db.schema.createIndex('mfa_factors_credential').unique().on('mfa_factors').column('credential_id').execute();
  await db.schema.alterTable('accounts').addColumn('mfa_grace_from', 'bigint').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('accounts').dropColumn('mfa_grace_from').execute();
  await db.schema.dropIndex('mfa_factors_credential').ifExists().execute();
  for (const column of ['transports', 'sign_count', 'public_key', 'credential_id']) await db.schema.alterTable('mfa_factors').dropColumn(column).execute();
}
