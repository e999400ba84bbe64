import type { Kysely } from 'kysely';
import type { Adapter, AdapterPayload } from 'oidc-provider';
import type { Sealer } from '../shared/seal.js';
import type { Database } from './tables.js';
import { namesNothing } from './names-nothing.js';

/**
 * oidc-provider's storage (sessions, interactions, grants, codes, tokens) in our SQL store, so a restart signs nobody
 * out and several app processes share one PostgreSQL. Clients are read from the clients table.
 */
export function createOidcAdapter(db: Kysely<Database>, sealer: Sealer) {
  return class SqlOidcAdapter implements Adapter {
    constructor(private readonly kind: string) {}

    async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
      const row = {
        payload: JSON.stringify(payload),
        grant_id: payload.grantId ?? null,
        user_code: payload.userCode ?? null,
        uid: payload.uid ?? null,
        account_id: payload.accountId ?? null,
        expires_at: expiresIn ? Date.now() + expiresIn * 1000 : null,
      };
      await db
        .insertInto('oidc_payloads')
        .values({ kind: this.kind, id, consumed_at: null, ...row })
        .onConflict((oc) => oc.columns(['kind', 'id']).doUpdateSet(row))
        .execute();
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      if (namesNothing(id)) return undefined;
      if (this.kind === 'Client') return findClient(id);
      const row = await db
        .selectFrom('oidc_payloads')
        .select(['payload', 'expires_at', 'consumed_at'])
        .where('kind', '=', this.kind)
        .where('id', '=', id)
        .executeTakeFirst();
      return row ? toPayload(row) : undefined;
    }

    async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      if (namesNothing(userCode)) return undefined;
      const row = await db
        .selectFrom('oidc_payloads')
        .select(['payload', 'expires_at', 'consumed_at'])
        .where('kind', '=', this.kind)
        .where('user_code', '=', userCode)
        .executeTakeFirst();
      return row ? toPayload(row) : undefined;
    }

    async findByUid(uid: string): Promise<AdapterPayload | undefined> {
      if (namesNothing(uid)) return undefined;
      const row = await db
        .selectFrom('oidc_payloads')
        .select(['payload', 'expires_at', 'consumed_at'])
        .where('kind', '=', this.kind)
        .where('uid', '=', uid)
        .executeTakeFirst();
      return row ? toPayload(row) : undefined;
    }

    async consume(id: string): Promise<void> {
      await db
        .updateTable('oidc_payloads')
        .set({ consumed_at: Date.now() })
        .where('kind', '=', this.kind)
        .where('id', '=', id)
        .execute();
    }

    async destroy(id: string): Promise<void> {
      await db.deleteFrom('oidc_payloads').where('kind', '=', this.kind).where('id', '=', id).execute();
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      await db.deleteFrom('oidc_payloads').where('kind', '=', this.kind).where('grant_id', '=', grantId).execute();
    }
  };

  function toPayload(row: { payload: string; expires_at: number | null; consumed_at: number | null }): AdapterPayload | undefined {
    if (row.expires_at !== null && row.expires_at <= Date.now()) return undefined;
    const payload = JSON.parse(row.payload) as AdapterPayload;
    if (row.consumed_at !== null) payload.consumed = Math.floor(row.consumed_at / 1000);
    return payload;
  }

  async function findClient(id: string): Promise<AdapterPayload | undefined> {
    const row = await db
      .selectFrom('oidc_clients')
      .select(['metadata', 'secret_sealed', 'enabled'])
      .where('client_id', '=', id)
      .executeTakeFirst();
    if (!row || !row.enabled) return undefined;
    const metadata = JSON.parse(row.metadata) as AdapterPayload;
    if (row.secret_sealed) metadata.client_secret = sealer.open(row.secret_sealed);
    return metadata;
  }
}

/** Removes expired OIDC records; run periodically by the server. */
export async function purgeExpiredOidcPayloads(db: Kysely<Database>, now = Date.now()): Promise<number> {
  const result = await db.deleteFrom('oidc_payloads').where('expires_at', 'is not', null).where('expires_at', '<', now).executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Ends every provider session and token of one account (used when an account is disabled, reset or its password changes). */
export async function revokeAccountOidcState(db: Kysely<Database>, accountId: string): Promise<number> {
  const result = await db.deleteFrom('oidc_payloads').where('account_id', '=', accountId).executeTakeFirst();
  return Number(result.numDeletedRows);
}
