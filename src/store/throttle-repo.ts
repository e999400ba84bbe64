import { sql, type Kysely } from 'kysely';
import type { ThrottleStore } from '../throttle/throttle.js';
import { prepared } from './prepared.js';
import type { Database } from './tables.js';

/**
 * Throttle counters shared by every process. On PostgreSQL each statement that writes several counters locks them in
 * the order of their keys: a sign-in counts its account and address together while another one, on the same school
 * address, settles both, and two statements taking the same two row locks in opposite orders deadlock (PostgreSQL
 * then ends one of them after its deadlock_timeout, a second later, as an error). SQLite writes one statement at a
 * time and needs no order.
 */
export class SqlThrottleStore implements ThrottleStore {
  private readonly settleStatement;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly engine: 'sqlite' | 'postgres',
  ) {
    this.settleStatement = this.settleStatementFor(db, engine);
  }

  async hit(key: string, windowMs: number, now: number) {
    return (await this.hitAll([{ key, windowMs }], now))[0];
  }

  /** The counting statement for n keys, built and compiled once per n (a sign-in runs the two-key one). */
  private readonly hitStatements = new Map<number, ReturnType<typeof this.hitStatement>>();

  private hitStatement(n: number) {
    const names = [...Array.from({ length: n }, (_, i) => [`key${i}`, `end${i}`]).flat(), 'now'];
    return prepared(this.db, names, (p: Record<string, never>) => {
      const slots = Array.from({ length: n }, (_, i) => ({ key: p[`key${i}`], end: p[`end${i}`] }));
      // One statement, so concurrent failures on several processes never lose a count. A counter brought back to 0
      // by a success starts a new window at its next attempt, as a removed one would.
      const windowEnd = sql.join(
        slots.map((slot) => sql`when throttle_counters.key = ${slot.key} then cast(${slot.end} as bigint)`),
        sql` `,
      );
      const expired = sql<boolean>`(throttle_counters.count = 0 or throttle_counters.window_start <= case ${windowEnd} end)`;
      return this.db
        .insertInto('throttle_counters')
        .values(slots.map((slot) => ({ key: slot.key, window_start: p.now, count: 1 })))
        .onConflict((oc) =>
          oc.column('key').doUpdateSet({
            count: sql`case when ${expired} then 1 else throttle_counters.count + 1 end`,
            window_start: sql`case when ${expired} then excluded.window_start else throttle_counters.window_start end`,
          }),
        )
        .returning(['key', 'count', 'window_start']);
    });
  }

  async hitAll(given: { key: string; windowMs: number }[], now: number) {
    // An insert takes its rows' locks in the order of its values.
    const hits = [...given].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    let statement = this.hitStatements.get(hits.length);
    if (!statement) this.hitStatements.set(hits.length, (statement = this.hitStatement(hits.length)));
    const values: Record<string, unknown> = { now };
    hits.forEach((h, i) => {
      values[`key${i}`] = h.key;
      values[`end${i}`] = now - h.windowMs;
    });
    const { rows } = await statement(values);
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

  private settleStatementFor(db: Kysely<Database>, engine: 'sqlite' | 'postgres') {
    return prepared(db, ['reset', 'release'], (p) =>
      // Reset to 0 rather than removed, so both fit in one statement; hitAll() treats 0 as no window.
      db
        .updateTable('throttle_counters')
        .set({ count: sql`case when key = ${p.reset} then 0 else count - 1 end` })
        .where((eb) => eb.or([eb('key', '=', p.reset), eb.and([eb('key', '=', p.release), eb('count', '>', 0)])]))
        .$if(engine === 'postgres', (q) =>
          // An update visits its rows in the order it finds them on disk; locking them first, by key, keeps the order.
          q.where('key', 'in', (eb) =>
            eb.selectFrom('throttle_counters as locked').select('locked.key').where('locked.key', 'in', [p.reset, p.release]).orderBy('locked.key').forUpdate(),
          ),
        ),
    );
  }

  async settle(resetKey: string, releaseKey: string) {
    await this.settleStatement({ reset: resetKey, release: releaseKey });
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
