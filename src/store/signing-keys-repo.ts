import { sql, type Kysely } from 'kysely';
import type { Engine } from './database.js';
import type { Database } from './tables.js';

export interface StoredKey {
  kid: string;
  jwk: Record<string, unknown>;
  createdAt: number;
  retiredAt: number | null;
}

export class SqlSigningKeys {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly engine: Engine,
  ) {}

  async all(): Promise<StoredKey[]> {
    const rows = await this.db.selectFrom('signing_keys').selectAll().orderBy('created_at', 'desc').execute();
    return rows.map((r) => ({ kid: r.kid, jwk: JSON.parse(r.jwk), createdAt: r.created_at, retiredAt: r.retired_at }));
  }

  /** Adds a key that becomes the signing key at the next start; the current one keeps signing until then. */
  async add(kid: string, jwk: Record<string, unknown>, now = Date.now()): Promise<void> {
    await this.db
      .insertInto('signing_keys')
      .values({ kid, jwk: JSON.stringify(jwk), created_at: now, retired_at: null })
      .execute();
  }

  /** Creates the first key; processes starting together on an empty PostgreSQL agree on one. */
  async insertIfNone(kid: string, jwk: Record<string, unknown>, now = Date.now()): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      if (this.engine === 'postgres') await sql`lock table signing_keys in exclusive mode`.execute(trx);
      const any = await trx.selectFrom('signing_keys').select('kid').limit(1).executeTakeFirst();
      if (!any)
        await trx
          .insertInto('signing_keys')
          .values({ kid, jwk: JSON.stringify(jwk), created_at: now, retired_at: null })
          .execute();
    });
  }

  /** Marks every key but `activeKid` that is still unretired as retired from `now` (it stops signing now). */
  async retireAllBut(activeKid: string, now = Date.now()): Promise<void> {
    await this.db.updateTable('signing_keys').set({ retired_at: now }).where('kid', '!=', activeKid).where('retired_at', 'is', null).execute();
  }

  async prune(retiredBefore: number): Promise<number> {
    const result = await this.db.deleteFrom('signing_keys').where('retired_at', 'is not', null).where('retired_at', '<', retiredBefore).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
