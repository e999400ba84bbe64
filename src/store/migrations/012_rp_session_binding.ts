import type { Kysely } from 'kysely';

/**
 * rp_sessions.provider_session_uid: the provider session (oidc_payloads, kind Session, by its stable uid) a built-in
 * app's session was signed in through. An app session is honoured only while that provider session lives and the
 * browser still holds it, so it ends when the provider's does (sign-out, expiry, another person signing in, the
 * browser closed). Sessions stored before this migration name none: they are dropped, and the next page view signs
 * in again through the provider (silently while its session lives).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.deleteFrom('rp_sessions').execute();
  await db.schema.alterTable('rp_sessions').addColumn('provider_session_uid', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('rp_sessions').dropColumn('provider_session_uid').execute();
}
