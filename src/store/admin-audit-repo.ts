import { type Kysely, type SelectQueryBuilder, sql } from 'kysely';
import { usernameKey } from '../accounts/account.js';
import type { AuditQuery, AuditRow, AuditSearch } from '../admin/ports.js';
import type { Database } from './tables.js';

/** `%` and `_` are LIKE wildcards; a backslash escapes them (on SQLite and PostgreSQL alike, with ESCAPE '\'). */
function likeLiteral(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * The audit log's read side for the console: search and export. Like SqlAuditLog it has no update or delete: the
 * application only ever appends to the audit log.
 */
export class SqlAuditSearch implements AuditSearch {
  constructor(private readonly db: Kysely<Database>) {}

  private base(query: AuditQuery) {
    let q = this.db
      .selectFrom('audit_events as e')
      .leftJoin('accounts as actor', 'actor.id', 'e.actor_id')
      .leftJoin('accounts as subject', 'subject.id', 'e.subject_id')
      .select(['e.id', 'e.at', 'e.type', 'e.actor_id', 'e.subject_id', 'e.ip', 'e.data', 'actor.username as actor_username', 'subject.username as subject_username']);
    if (query.user) {
      const key = usernameKey(query.user);
      // Events about the account, and sign-in attempts that name the username (which carry no account when it does
      // not exist, or when they were throttled before the lookup).
      const named = `%"username":${likeLiteral(JSON.stringify(key))}%`;
      q = q.where((eb) =>
        eb.or([eb('e.subject_id', 'in', eb.selectFrom('accounts').select('id').where('username_key', '=', key)), sql<boolean>`e.data like ${named} escape '\\'`]),
      );
    }
    if (query.actor) {
      const key = usernameKey(query.actor);
      q = q.where('e.actor_id', 'in', (eb) => eb.selectFrom('accounts').select('id').where('username_key', '=', key));
    }
    if (query.type) {
      const type = query.type.trim();
      const family = /^(.+?)\.\*?$/.exec(type);
      q = family ? q.where(sql<boolean>`e.type like ${`${likeLiteral(family[1])}.%`} escape '\\'`) : q.where('e.type', '=', type);
    }
    if (query.from !== undefined) q = q.where('e.at', '>=', query.from);
    if (query.to !== undefined) q = q.where('e.at', '<', query.to);
    return q;
  }

  async search(query: AuditQuery, page: { offset: number; limit: number }): Promise<AuditRow[]> {
    const rows = await this.base(query).orderBy('e.at', 'desc').orderBy('e.id', 'desc').limit(page.limit).offset(page.offset).execute();
    return rows.map(toRow);
  }

  async *stream(query: AuditQuery, batchSize = 1000): AsyncIterable<AuditRow> {
    let after: { at: number; id: string } | null = null;
    for (;;) {
      let q = this.base(query);
      if (after) {
        const { at, id } = after;
        q = q.where((eb) => eb.or([eb('e.at', '<', at), eb.and([eb('e.at', '=', at), eb('e.id', '<', id)])]));
      }
      const rows = await q.orderBy('e.at', 'desc').orderBy('e.id', 'desc').limit(batchSize).execute();
      for (const row of rows) yield toRow(row);
      if (rows.length < batchSize) return;
      const last = rows[rows.length - 1];
      after = { at: Number(last.at), id: last.id };
    }
  }

  async aboutAccount(accountId: string, limit: number): Promise<AuditRow[]> {
    // audit_events_subject (subject_id, at) gives these in order without reading the rest of the log.
    const rows = await this.base({}).where('e.subject_id', '=', accountId).orderBy('e.at', 'desc').orderBy('e.id', 'desc').limit(limit).execute();
    return rows.map(toRow);
  }

  async types(): Promise<string[]> {
    const rows = await this.db.selectFrom('audit_events').select('type').distinct().orderBy('type').execute();
    return rows.map((r) => r.type);
  }
}

type Selected = ReturnType<SqlAuditSearch['base']> extends SelectQueryBuilder<infer _Database, infer _Tables, infer O> ? O : never;

function toRow(row: Selected): AuditRow {
  let data: Record<string, unknown>;
  try {
    data = JSON.parse(row.data) as Record<string, unknown>;
  } catch {
    data = { raw: row.data };
  }
  return {
    id: row.id,
    at: Number(row.at),
    type: row.type,
    actorId: row.actor_id,
    actorUsername: row.actor_username,
    subjectId: row.subject_id,
    subjectUsername: row.subject_username,
    ip: row.ip,
    data,
  };
}
