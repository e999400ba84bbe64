import type { Kysely } from 'kysely';
import type { BadgeRecord, BadgeStore } from '../badges/ports.js';
import type { BadgesTable, Database } from './tables.js';

function record(row: BadgesTable): BadgeRecord {
  return {
    id: row.id,
    accountId: row.account_id,
    secretSealed: row.secret_sealed,
    createdAt: Number(row.created_at),
    voidedAt: row.voided_at === null ? null : Number(row.voided_at),
    lastUsedAt: row.last_used_at === null ? null : Number(row.last_used_at),
  };
}

export class SqlBadgeStore implements BadgeStore {
  constructor(private readonly db: Kysely<Database>) {}

  async byDigest(digest: string): Promise<BadgeRecord | null> {
    const row = await this.db.selectFrom('badges').selectAll().where('secret_digest', '=', digest).executeTakeFirst();
    return row ? record(row) : null;
  }

  async activeFor(accountIds: string[]): Promise<Map<string, BadgeRecord>> {
    const found = new Map<string, BadgeRecord>();
    // Chunks keep each query under SQLite's and PostgreSQL's parameter limits.
    for (let start = 0; start < accountIds.length; start += 500) {
      const rows = await this.db
        .selectFrom('badges')
        .selectAll()
        .where('account_id', 'in', accountIds.slice(start, start + 500))
        .where('voided_at', 'is', null)
        .execute();
      for (const row of rows) found.set(row.account_id, record(row));
    }
    return found;
  }

  async replace(accountId: string, next: { id: string; digest: string; secretSealed: string } | null, now: number, clearCounters: string[]): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      if (clearCounters.length) await trx.deleteFrom('throttle_counters').where('key', 'in', clearCounters).execute();
      const voided = await trx.updateTable('badges').set({ voided_at: now }).where('account_id', '=', accountId).where('voided_at', 'is', null).executeTakeFirst();
      if (next) {
        await trx
          .insertInto('badges')
          .values({ id: next.id, account_id: accountId, secret_digest: next.digest, secret_sealed: next.secretSealed, created_at: now, voided_at: null, last_used_at: null })
          .execute();
      }
      return Number(voided.numUpdatedRows) > 0;
    });
  }

  async insertIfNone(accountId: string, badge: { id: string; digest: string; secretSealed: string }, now: number): Promise<boolean> {
    // The partial unique index (one badge not voided per account) decides between two prints at once.
    const result = await this.db
      .insertInto('badges')
      .values({ id: badge.id, account_id: accountId, secret_digest: badge.digest, secret_sealed: badge.secretSealed, created_at: now, voided_at: null, last_used_at: null })
      .onConflict((oc) => oc.doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async markUsed(id: string, now: number): Promise<void> {
    await this.db.updateTable('badges').set({ last_used_at: now }).where('id', '=', id).execute();
  }
}
