import type { Kysely } from 'kysely';
import type { PolicyRow, PolicyStore } from '../policies/ports.js';
import type { Database } from './tables.js';

export class SqlPolicyStore implements PolicyStore {
  constructor(private readonly db: Kysely<Database>) {}

  async all(): Promise<PolicyRow[]> {
    const rows = await this.db.selectFrom('policy_overrides').selectAll().execute();
    return rows.map((r) => ({ key: r.key, value: JSON.parse(r.value), updatedAt: Number(r.updated_at), updatedBy: r.updated_by }));
  }

  async put(values: Record<string, unknown>, updatedBy: string | null): Promise<void> {
    const now = Date.now();
    await this.db.transaction().execute(async (trx) => {
      for (const [key, value] of Object.entries(values)) {
        const row = { value: JSON.stringify(value), updated_at: now, updated_by: updatedBy };
        await trx
          .insertInto('policy_overrides')
          .values({ key, ...row })
          .onConflict((oc) => oc.column('key').doUpdateSet(row))
          .execute();
      }
    });
  }
}
