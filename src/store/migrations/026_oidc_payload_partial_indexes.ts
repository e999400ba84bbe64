import { type Kysely, sql } from 'kysely';

/**
 * Each provider record (interaction, session, grant, code, token) is one row of oidc_payloads, and a sign-in writes
 * seven. Only some kinds carry a grant, a user code, a uid or an account, yet every row had an entry in each of
 * those four indexes. Partial indexes keep only the rows that have the value: every lookup compares the column with
 * a value (=, IN), which both engines know excludes null, so each index still serves the same queries.
 */
const INDEXES: { name: string; columns: string[]; column: string }[] = [
  { name: 'oidc_payloads_grant', columns: ['grant_id'], column: 'grant_id' },
  { name: 'oidc_payloads_uid', columns: ['kind', 'uid'], column: 'uid' },
  { name: 'oidc_payloads_user_code', columns: ['kind', 'user_code'], column: 'user_code' },
  { name: 'oidc_payloads_account', columns: ['account_id'], column: 'account_id' },
];

export async function up(db: Kysely<any>): Promise<void> {
  for (const index of INDEXES) {
    await db.schema.dropIndex(index.name).execute();
    await db.schema.createIndex(index.name).on('oidc_payloads').columns(index.columns).where(sql.ref(index.column), 'is not', null).execute();
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const index of INDEXES) {
    await db.schema.dropIndex(index.name).execute();
    await db.schema.createIndex(index.name).on('oidc_payloads').columns(index.columns).execute();
  }
}
