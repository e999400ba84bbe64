import type { Kysely } from 'kysely';

/**
 * flows.browser_key: a digest of the secret held (in a cookie) by the browser that started a claim or recovery flow.
 * Every step checks it, so the flow's address, read from a shared device's history, opens nothing in another browser.
 * Flows stored before this migration have none and are refused as expired: the family starts again.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('flows').addColumn('browser_key', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('flows').dropColumn('browser_key').execute();
}
