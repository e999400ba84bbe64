import type { Kysely, Selectable } from 'kysely';
import type { SamlRequestIds, SamlSession, SamlSessionStore } from '../saml/ports.js';
import type { Database, SamlSessionsTable } from './tables.js';

function toSession(row: Selectable<SamlSessionsTable>): SamlSession {
  return {
    id: row.id,
    providerId: row.provider_id,
    accountId: row.account_id,
    nameId: row.name_id,
    nameIdFormat: row.name_id_format,
    sessionIndex: row.session_index,
    sid: row.sid,
    createdAt: Number(row.created_at),
    expiresAt: Number(row.expires_at),
    endedAt: row.ended_at === null ? null : Number(row.ended_at),
  };
}

export class SqlSamlSessions implements SamlSessionStore {
  constructor(private readonly db: Kysely<Database>) {}

  async create(session: SamlSession): Promise<void> {
    await this.db
      .insertInto('saml_sessions')
      .values({
        id: session.id,
        provider_id: session.providerId,
        account_id: session.accountId,
        name_id: session.nameId,
        name_id_format: session.nameIdFormat,
        session_index: session.sessionIndex,
        sid: session.sid,
        created_at: session.createdAt,
        expires_at: session.expiresAt,
        ended_at: session.endedAt,
      })
      .execute();
  }

  async findByIndex(providerId: string, sessionIndex: string): Promise<SamlSession | undefined> {
    const row = await this.db
      .selectFrom('saml_sessions')
      .selectAll()
      .where('provider_id', '=', providerId)
      .where('session_index', '=', sessionIndex)
      .where('expires_at', '>', Date.now())
      .executeTakeFirst();
    return row ? toSession(row) : undefined;
  }

  async bySid(sid: string): Promise<SamlSession[]> {
    const rows = await this.db.selectFrom('saml_sessions').selectAll().where('sid', '=', sid).where('expires_at', '>', Date.now()).orderBy('created_at').execute();
    return rows.map(toSession);
  }

  async endBySid(sid: string, now = Date.now()): Promise<number> {
    const result = await this.db.updateTable('saml_sessions').set({ ended_at: now }).where('sid', '=', sid).where('ended_at', 'is', null).executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  async remove(ids: string[]): Promise<void> {
    if (ids.length) await this.db.deleteFrom('saml_sessions').where('id', 'in', ids).execute();
  }

  async purgeExpired(now = Date.now()): Promise<number> {
    const result = await this.db.deleteFrom('saml_sessions').where('expires_at', '<', now).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}

export class SqlSamlRequestIds implements SamlRequestIds {
  constructor(private readonly db: Kysely<Database>) {}

  async remember(providerId: string, requestId: string, expiresAt: number): Promise<boolean> {
    const result = await this.db
      .insertInto('saml_request_ids')
      .values({ provider_id: providerId, request_id: requestId, expires_at: expiresAt })
      .onConflict((oc) => oc.columns(['provider_id', 'request_id']).doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
  }

  async purgeExpired(now = Date.now()): Promise<number> {
    const result = await this.db.deleteFrom('saml_request_ids').where('expires_at', '<', now).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
