import { sql, type Kysely } from 'kysely';
import type { ThrottleStore } from '../throttle/throttle.js';
import type { Database } from './tables.js';

/**
 * Throttle counters shared by every process. On PostgreSQL each statement that writes several counters locks them in
 * the order of their keys: a sign-in counts its account and address together while another one, on the same school
 * address, settles both, and two statements taking the same two row locks in opposite orders deadlock (PostgreSQL
 * then ends one of them after its deadlock_timeout, a second later, as an error). SQLite writes one statement at a
 * time and needs no order.
 */
export class SqlThrottleStore implements ThrottleStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly engine: 'sqlite' | 'postgres',
  ) {}

  async hit(key: string, windowMs: number, now: number) {
    return (await this.hitAll([{ key, windowMs }], now))[0];
  }

  async hitAll(given: { key: string; windowMs: number }[], now: number) {
    // An insert takes its rows' locks in the order of its values.
    const hits = [...given].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    // One statement, so concurrent failures on several processes never lose a count. A counter brought back to 0 by
    // a success starts a new window at its next attempt, as a removed one would.
    const windowEnd = sql.join(
      hits.map((h) => sql`when throttle_counters.key = ${h.key} then cast(${now - h.windowMs} as bigint)`),
      sql` `,
    );
    const expired = sql<boolean>`(throttle_counters.count = 0 or throttle_counters.window_start <= case ${windowEnd} end)`;
    const rows = await this.db
      .insertInto('throttle_counters')
      .values(hits.map((h) => ({ key: h.key, window_start: now, count: 1 })))
      .onConflict((oc) =>
        oc.column('key').doUpdateSet({
          count: sql`case when ${expired} then 1 else throttle_counters.count + 1 end`,
          window_start: sql`case when ${expired} then excluded.window_start else throttle_counters.window_start end`,
        }),
      )
      .returning(['key', 'count', 'window_start'])
      .execute();
    const byKey = new Map(rows.map((row) => [row.key, { count: Number(row.count), windowStart: Number(row.window_start) }]));
    return given.map((h) => byKey.get(h.key)!);
  }

  async peek(key: string) {
    const row = await this.db.selectFrom('throttle_counters').select(['count', 'window_start']).where('key', '=', key).executeTakeFirst();
    return row ? { count: Number(row.count), windowStart: Number(row.window_start) } : null;
  }

  async release(key: string) {
    await this.db
      .updateTable('throttle_counters')
      .set({ count: sql`count - 1` })
      .where('key', '=', key)
      .where('count', '>', 0)
      .execute();
  }

  async reset(key: string) {
    await this.db.deleteFrom('throttle_counters').where('key', '=', key).execute();
  }

  async settle(resetKey: string, releaseKey: string) {
    // Reset to 0 rather than removed, so both fit in one statement; hitAll() treats 0 as no window.
    const keys = [resetKey, releaseKey];
    await this.db
      .updateTable('throttle_counters')
      .set({ count: sql`case when key = ${resetKey} then 0 else count - 1 end` })
      .where((eb) => eb.or([eb('key', '=', resetKey), eb.and([eb('key', '=', releaseKey), eb('count', '>', 0)])]))
      .$if(this.engine === 'postgres', (q) =>
        // An update visits its rows in the order it finds them on disk; locking them first, by key, keeps the order.
        q.where('key', 'in', (eb) => eb.selectFrom('throttle_counters as locked').select('locked.key').where('locked.key', 'in', keys).orderBy('locked.key').forUpdate()),
      )
      .execute();
  }

  async purgeStarted(startedBefore: number, limit: number) {
    // The window_start test is on the deleted row itself as well as in the batch's selection: a counter that another
    // process restarted meanwhile (hit() gave it a new window) is checked again by PostgreSQL before deletion, and kept.
    const result = await this.db
      .deleteFrom('throttle_counters')
      .where('window_start', '<=', startedBefore)
      .where('key', 'in', (eb) =>
        eb
          .selectFrom('throttle_counters')
          .select('key')
          .where('window_start', '<=', startedBefore)
          .limit(limit)
          // A counter a sign-in is writing now is left for the next run rather than waited for (or deadlocked on).
          .$if(this.engine === 'postgres', (q) => q.forUpdate().skipLocked()),
      )
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
