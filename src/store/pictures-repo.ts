import type { Kysely } from 'kysely';
import type { PictureStore } from '../pictures/ports.js';
import type { Database } from './tables.js';

export class SqlPictureStore implements PictureStore {
  constructor(private readonly db: Kysely<Database>) {}

  async hashOf(accountId: string): Promise<string | null> {
    const row = await this.db.selectFrom('picture_passwords').select('sequence_hash').where('account_id', '=', accountId).executeTakeFirst();
    return row?.sequence_hash ?? null;
  }

  async withPictures(accountIds: string[]): Promise<string[]> {
    const found: string[] = [];
    // In slices: a school's roster can list more students than one statement may bind.
    for (let i = 0; i < accountIds.length; i += 500) {
      const rows = await this.db
        .selectFrom('picture_passwords')
        .select('account_id')
        .where('account_id', 'in', accountIds.slice(i, i + 500))
        .execute();
      found.push(...rows.map((r) => r.account_id));
    }
    return found;
  }

  async set(accountId: string, sequenceHash: string, setBy: string | null, now: number, clearCounters: string[]): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('picture_passwords')
        .values({ account_id: accountId, sequence_hash: sequenceHash, set_at: now, set_by: setBy })
        .onConflict((oc) => oc.column('account_id').doUpdateSet({ sequence_hash: sequenceHash, set_at: now, set_by: setBy }))
        .execute();
      if (clearCounters.length) await trx.deleteFrom('throttle_counters').where('key', 'in', clearCounters).execute();
    });
  }

  async upgrade(accountId: string, oldHash: string, newHash: string): Promise<void> {
    await this.db.updateTable('picture_passwords').set({ sequence_hash: newHash }).where('account_id', '=', accountId).where('sequence_hash', '=', oldHash).execute();
  }
}
