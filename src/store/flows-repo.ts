import { sql, type Kysely } from 'kysely';
import type { Flow, FlowStore } from '../flows/flow.js';
import type { Database } from './tables.js';

export class SqlFlowStore implements FlowStore {
  constructor(private readonly db: Kysely<Database>) {}

  async create<C>(flow: Omit<Flow<C>, 'version'>): Promise<Flow<C>> {
    const now = Date.now();
    await this.db
      .insertInto('flows')
      .values({
        id: flow.id,
        kind: flow.kind,
        step: flow.step,
        context: JSON.stringify(flow.context),
        version: 0,
        expires_at: flow.expiresAt,
        created_at: now,
        updated_at: now,
        browser_key: flow.browserKey,
      })
      .execute();
    return { ...flow, version: 0 };
  }

  async get<C>(id: string): Promise<Flow<C> | undefined> {
    const row = await this.db.selectFrom('flows').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row || row.expires_at <= Date.now()) return undefined;
    return {
      id: row.id,
      kind: row.kind,
      step: row.step,
      context: JSON.parse(row.context) as C,
      version: row.version,
      expiresAt: row.expires_at,
      browserKey: row.browser_key,
    };
  }

  async update<C>(id: string, expectedVersion: number, step: string, context: C, expiresAt?: number): Promise<boolean> {
    const result = await this.db
      .updateTable('flows')
      .set({ step, context: JSON.stringify(context), version: expectedVersion + 1, updated_at: Date.now(), ...(expiresAt === undefined ? {} : { expires_at: expiresAt }) })
      .where('id', '=', id)
      .where('version', '=', expectedVersion)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async put<C>(flow: Omit<Flow<C>, 'version'>): Promise<void> {
    const now = Date.now();
    const expired = sql<boolean>`flows.expires_at <= ${now}`;
    await this.db
      .insertInto('flows')
      .values({
        id: flow.id,
        kind: flow.kind,
        step: flow.step,
        context: JSON.stringify(flow.context),
        version: 0,
        expires_at: flow.expiresAt,
        created_at: now,
        updated_at: now,
        browser_key: flow.browserKey,
      })
      .onConflict((oc) =>
        oc.column('id').doUpdateSet({
          kind: sql`excluded.kind`,
          step: sql`excluded.step`,
          context: sql`excluded.context`,
          version: sql`case when ${expired} then 0 else flows.version + 1 end`,
          expires_at: sql`case when ${expired} then excluded.expires_at else flows.expires_at end`,
          created_at: sql`case when ${expired} then excluded.created_at else flows.created_at end`,
          updated_at: sql`excluded.updated_at`,
          browser_key: sql`excluded.browser_key`,
        }),
      )
      .execute();
  }

  async remove(id: string): Promise<void> {
    await this.db.deleteFrom('flows').where('id', '=', id).execute();
  }

  async purgeExpired(now = Date.now()): Promise<number> {
    const result = await this.db.deleteFrom('flows').where('expires_at', '<', now).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
