import type { Kysely } from 'kysely';
import type { Adapter, AdapterPayload } from 'oidc-provider';
import type { Sealer } from '../shared/seal.js';
import type { ClientRows } from './client-rows.js';
import { namesNothing } from './names-nothing.js';
import { prepared } from './prepared.js';
import type { Database } from './tables.js';

/**
 * oidc-provider's storage (sessions, interactions, grants, codes, tokens) in our SQL store, so a restart signs nobody
 * out and several app processes share one PostgreSQL. Clients are read from the clients table.
 */
export function createOidcAdapter(db: Kysely<Database>, sealer: Sealer, clientRows: ClientRows) {
  // Every endpoint of a sign-in runs several of these: they are compiled once (see prepared()).
  const payloadColumns = ['payload', 'expires_at', 'consumed_at'] as const;
  const queries = {
    upsert: prepared(db, ['kind', 'id', 'payload', 'grantId', 'userCode', 'uid', 'accountId', 'expiresAt'], (p) => {
      const row = { payload: p.payload, grant_id: p.grantId, user_code: p.userCode, uid: p.uid, account_id: p.accountId, expires_at: p.expiresAt };
      return db
        .insertInto('oidc_payloads')
        .values({ kind: p.kind, id: p.id, consumed_at: null, ...row })
        .onConflict((oc) => oc.columns(['kind', 'id']).doUpdateSet(row));
    }),
    find: prepared(db, ['kind', 'id'], (p) => db.selectFrom('oidc_payloads').select(payloadColumns).where('kind', '=', p.kind).where('id', '=', p.id)),
    findByUserCode: prepared(db, ['kind', 'userCode'], (p) => db.selectFrom('oidc_payloads').select(payloadColumns).where('kind', '=', p.kind).where('user_code', '=', p.userCode)),
    findByUid: prepared(db, ['kind', 'uid'], (p) => db.selectFrom('oidc_payloads').select(payloadColumns).where('kind', '=', p.kind).where('uid', '=', p.uid)),
    consume: prepared(db, ['at', 'kind', 'id'], (p) => db.updateTable('oidc_payloads').set({ consumed_at: p.at }).where('kind', '=', p.kind).where('id', '=', p.id)),
    destroy: prepared(db, ['kind', 'id'], (p) => db.deleteFrom('oidc_payloads').where('kind', '=', p.kind).where('id', '=', p.id)),
    revokeByGrantId: prepared(db, ['kind', 'grantId'], (p) => db.deleteFrom('oidc_payloads').where('kind', '=', p.kind).where('grant_id', '=', p.grantId)),
  };

  return class SqlOidcAdapter implements Adapter {
    constructor(private readonly kind: string) {}

    async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
      await queries.upsert({
        kind: this.kind,
        id,
        payload: JSON.stringify(payload),
        grantId: payload.grantId ?? null,
        userCode: payload.userCode ?? null,
        uid: payload.uid ?? null,
        accountId: payload.accountId ?? null,
        expiresAt: expiresIn ? Date.now() + expiresIn * 1000 : null,
      });
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      if (namesNothing(id)) return undefined;
      if (this.kind === 'Client') return findClient(id);
      return toPayload((await queries.find({ kind: this.kind, id })).rows[0]);
    }

    async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      if (namesNothing(userCode)) return undefined;
      return toPayload((await queries.findByUserCode({ kind: this.kind, userCode })).rows[0]);
    }

    async findByUid(uid: string): Promise<AdapterPayload | undefined> {
      if (namesNothing(uid)) return undefined;
      return toPayload((await queries.findByUid({ kind: this.kind, uid })).rows[0]);
    }

    async consume(id: string): Promise<void> {
      await queries.consume({ at: Date.now(), kind: this.kind, id });
    }

    async destroy(id: string): Promise<void> {
      await queries.destroy({ kind: this.kind, id });
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      await queries.revokeByGrantId({ kind: this.kind, grantId });
    }
  };

  function toPayload(row: { payload: string; expires_at: number | null; consumed_at: number | null } | undefined): AdapterPayload | undefined {
    if (!row) return undefined;
    if (row.expires_at !== null && row.expires_at <= Date.now()) return undefined;
    const payload = JSON.parse(row.payload) as AdapterPayload;
    if (row.consumed_at !== null) payload.consumed = Math.floor(row.consumed_at / 1000);
    return payload;
  }

  async function findClient(id: string): Promise<AdapterPayload | undefined> {
    const row = await clientRows.get(id);
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
