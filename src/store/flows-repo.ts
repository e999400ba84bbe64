import { sql, type Kysely } from 'kysely';
import type { Flow, FlowStore } from '../flows/flow.js';
import { prepared } from './prepared.js';
import type { Database } from './tables.js';

export class SqlFlowStore implements FlowStore {
  private readonly getQuery;
  private readonly putQuery;

  constructor(private readonly db: Kysely<Database>) {
    // A sign-in reads its flow on each page and writes it once: compiled once (see prepared()).
    this.getQuery = prepared(db, ['id'], (p) => db.selectFrom('flows').selectAll().where('id', '=', p.id));
    this.putQuery = prepared(db, ['id', 'kind', 'step', 'context', 'expiresAt', 'now', 'browserKey'], (p) => {
      const expired = sql<boolean>`flows.expires_at <= excluded.updated_at`;
      return db
        .insertInto('flows')
        .values({ id: p.id, kind: p.kind, step: p.step, context: p.context, version: 0, expires_at: p.expiresAt, created_at: p.now, updated_at: p.now, browser_key: p.browserKey })
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
        );
    });
  }

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
    const row = (await this.getQuery({ id })).rows[0];
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
    await this.putQuery({
      id: flow.id,
      kind: flow.kind,
      step: flow.step,
      context: JSON.stringify(flow.context),
      expiresAt: flow.expiresAt,
      now: Date.now(),
      browserKey: flow.browserKey,
    });
  }

  async remove(id: string): Promise<void> {
    await this.db.deleteFrom('flows').where('id', '=', id).execute();
  }

  async purgeExpired(now = Date.now()): Promise<number> {
    const result = await this.db.deleteFrom('flows').where('expires_at', '<', now).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
