import type { Kysely } from 'kysely';
import type { HomeLanguageStore, LanguageEntry } from '../home-language/ports.js';
import type { Database } from './tables.js';

/** Home languages, keyed by account; rows name students by student ID or by roster sourcedId. */
export class SqlHomeLanguageStore implements HomeLanguageStore {
  constructor(private readonly db: Kysely<Database>) {}

  async saveByStudentId(entries: LanguageEntry[], source: 'file', now: number): Promise<number> {
    const found = await this.db
      .selectFrom('accounts')
      .select(['id', 'student_id'])
      .where('student_id', 'in', [...new Set(entries.map((e) => e.key))])
      .execute();
    const ids = new Map(found.map((r) => [r.student_id!, r.id]));
    return this.save(entries, ids, source, now);
  }

  async saveBySourcedId(entries: LanguageEntry[], source: 'roster', now: number): Promise<number> {
    const found = await this.db
      .selectFrom('roster_users')
      .select(['sourced_id', 'account_id'])
      .where('sourced_id', 'in', [...new Set(entries.map((e) => e.key))])
      .execute();
    const ids = new Map(found.map((r) => [r.sourced_id, r.account_id]));
    return this.save(entries, ids, source, now);
  }

  async of(accountId: string): Promise<string | null> {
    const row = await this.db.selectFrom('home_languages').select('language').where('account_id', '=', accountId).executeTakeFirst();
    return row?.language ?? null;
  }

  private async save(entries: LanguageEntry[], ids: Map<string, string>, source: 'roster' | 'file', now: number): Promise<number> {
    // The last row for a student wins, as it would if the rows were applied one by one.
    const byAccount = new Map<string, string>();
    for (const entry of entries) {
      const accountId = ids.get(entry.key);
      if (accountId) byAccount.set(accountId, entry.language);
    }
    const rows = [...byAccount].map(([account_id, language]) => ({ account_id, language, source, updated_at: now }));
    if (rows.length) {
      await this.db
        .insertInto('home_languages')
        .values(rows)
        .onConflict((oc) =>
          oc.column('account_id').doUpdateSet((eb) => ({ language: eb.ref('excluded.language'), source: eb.ref('excluded.source'), updated_at: eb.ref('excluded.updated_at') })),
        )
        .execute();
    }
    return entries.filter((e) => ids.has(e.key)).length;
  }
}
