import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DomainEvent } from '../events/bus.js';
import { prepared } from './prepared.js';
import type { Database } from './tables.js';

export interface AuditEntry {
  id: string;
  at: number;
  type: string;
  actorId: string | null;
  subjectId: string | null;
  ip: string | null;
  data: Record<string, unknown>;
}

/** Append-only from the application's side: there is no update or delete here. */
export class SqlAuditLog {
  private readonly appendQuery;

  constructor(private readonly db: Kysely<Database>) {
    // Every sign-in appends two events: compiled once (see prepared()).
    this.appendQuery = prepared(db, ['id', 'at', 'type', 'actorId', 'subjectId', 'ip', 'data'], (p) =>
      db.insertInto('audit_events').values({ id: p.id, at: p.at, type: p.type, actor_id: p.actorId, subject_id: p.subjectId, ip: p.ip, data: p.data }),
    );
  }

  async append(event: DomainEvent & { at: number }): Promise<void> {
    await this.appendQuery({
      id: randomUUID(),
      at: event.at,
      type: event.type,
      actorId: event.actorId ?? null,
      subjectId: event.subjectId ?? null,
      ip: event.ip ?? null,
      data: JSON.stringify(event.data ?? {}),
    });
  }

  async recent(filter: { type?: string; subjectId?: string; limit?: number } = {}): Promise<AuditEntry[]> {
    let query = this.db
      .selectFrom('audit_events')
      .selectAll()
      .orderBy('at', 'desc')
      .limit(filter.limit ?? 100);
    if (filter.type) query = query.where('type', '=', filter.type);
    if (filter.subjectId) query = query.where('subject_id', '=', filter.subjectId);
    const rows = await query.execute();
    return rows.map((r) => ({ id: r.id, at: r.at, type: r.type, actorId: r.actor_id, subjectId: r.subject_id, ip: r.ip, data: JSON.parse(r.data) }));
  }
}
