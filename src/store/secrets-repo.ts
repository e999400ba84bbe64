import type { Kysely } from 'kysely';
import type { Database } from './tables.js';

/**
 * Server secrets generated on first start and kept in the database, so every app process shares them and a restart
 * signs nobody out. Never logged, never in git.
 */
export class SqlSecrets {
  constructor(private readonly db: Kysely<Database>) {}

  /** Returns the stored value, creating it with `make` when absent; concurrent first starts agree on one value. */
  async getOrCreate(name: string, make: () => string): Promise<string> {
    const existing = await this.db.selectFrom('secrets').select('value').where('name', '=', name).executeTakeFirst();
    if (existing) return existing.value;
    await this.db
      .insertInto('secrets')
      .values({ name, value: make(), created_at: Date.now() })
      .onConflict((oc) => oc.column('name').doNothing())
      .execute();
    const row = await this.db.selectFrom('secrets').select('value').where('name', '=', name).executeTakeFirstOrThrow();
    return row.value;
  }
}
