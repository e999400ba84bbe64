import type { Kysely, Selectable } from 'kysely';
import type { Database, RosterRunsTable } from '../../store/tables.js';
import type { RosterRun } from '../ports.js';

function toRun(r: Selectable<RosterRunsTable>): RosterRun {
  return {
    id: r.id,
    startedAt: Number(r.started_at),
    finishedAt: r.finished_at === null ? null : Number(r.finished_at),
    source: r.source,
    mode: r.mode,
    status: r.status,
    summary: JSON.parse(r.summary),
    errors: JSON.parse(r.errors),
  };
}

/** The roster imports' records (roster_runs), newest first: for `homeroom roster status` and the admin console. */
export class SqlRosterRuns {
  constructor(private readonly db: Kysely<Database>) {}

  async list(page: { offset?: number; limit: number }): Promise<RosterRun[]> {
    const rows = await this.db
      .selectFrom('roster_runs')
      .selectAll()
      .orderBy('started_at', 'desc')
      .orderBy('id', 'desc')
      .offset(page.offset ?? 0)
      .limit(page.limit)
      .execute();
    return rows.map(toRun);
  }

  /** The newest run that changed the roster: the roster in use comes from it. */
  async lastApplied(): Promise<RosterRun | null> {
    const row = await this.db.selectFrom('roster_runs').selectAll().where('status', '=', 'applied').orderBy('started_at', 'desc').limit(1).executeTakeFirst();
    return row ? toRun(row) : null;
  }

  async find(id: string): Promise<RosterRun | null> {
    const row = await this.db.selectFrom('roster_runs').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toRun(row) : null;
  }
}
