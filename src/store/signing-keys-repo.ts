import type { Kysely } from 'kysely';
import type { Database } from './tables.js';

export interface StoredKey {
  kid: string;
  jwk: Record<string, unknown>;
  createdAt: number;
  retiredAt: number | null;
}

export class SqlSigningKeys {
  constructor(private readonly db: Kysely<Database>) {}

  async all(): Promise<StoredKey[]> {
    const rows = await this.db.selectFrom('signing_keys').selectAll().orderBy('created_at', 'desc').execute();
    return rows.map((r) => ({ kid: r.kid, jwk: JSON.parse(r.jwk), createdAt: r.created_at, retiredAt: r.retired_at }));
  }

  /** Adds a new active key and retires the previous active ones, atomically. */
  async rotate(kid: string, jwk: Record<string, unknown>, now = Date.now()): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.updateTable('signing_keys').set({ retired_at: now }).where('retired_at', 'is', null).execute();
      await trx.insertInto('signing_keys').values({ kid, jwk: JSON.stringify(jwk), created_at: now + 0, retired_at: null }).execute();
    });
  }

  async insertIfNone(kid: string, jwk: Record<string, unknown>, now = Date.now()): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const any = await trx.selectFrom('signing_keys').select('kid').limit(1).executeTakeFirst();
      if (!any) await trx.insertInto('signing_keys').values({ kid, jwk: JSON.stringify(jwk), created_at: now, retired_at: null }).execute();
    });
  }

  async prune(retiredBefore: number): Promise<number> {
    const result = await this.db.deleteFrom('signing_keys').where('retired_at', 'is not', null).where('retired_at', '<', retiredBefore).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
