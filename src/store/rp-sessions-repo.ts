import type { Kysely } from 'kysely';
import type { Database } from './tables.js';

export interface RpSession {
  id: string;
  app: string;
  accountSub: string;
  sid: string | null;
  idToken: string;
  claims: Record<string, unknown>;
  expiresAt: number;
}

/** Sessions of the relying parties Homeroom itself runs (the portal, the demo app). */
export class SqlRpSessions {
  constructor(private readonly db: Kysely<Database>) {}

  async create(session: RpSession): Promise<void> {
    await this.db
      .insertInto('rp_sessions')
      .values({
        id: session.id,
        app: session.app,
        account_sub: session.accountSub,
        sid: session.sid,
        id_token: session.idToken,
        claims: JSON.stringify(session.claims),
        expires_at: session.expiresAt,
      })
      .execute();
  }

  async get(app: string, id: string): Promise<RpSession | undefined> {
    const row = await this.db.selectFrom('rp_sessions').selectAll().where('app', '=', app).where('id', '=', id).executeTakeFirst();
    if (!row || row.expires_at <= Date.now()) return undefined;
    return {
      id: row.id,
      app: row.app,
      accountSub: row.account_sub,
      sid: row.sid,
      idToken: row.id_token,
      claims: JSON.parse(row.claims),
      expiresAt: row.expires_at,
    };
  }

  async remove(app: string, id: string): Promise<void> {
    await this.db.deleteFrom('rp_sessions').where('app', '=', app).where('id', '=', id).execute();
  }

  /** Back-channel logout: by provider session id when given, else every session of the account. */
  async removeBySidOrSub(app: string, sid: string | undefined, sub: string | undefined): Promise<number> {
    let query = this.db.deleteFrom('rp_sessions').where('app', '=', app);
    if (sid) query = query.where('sid', '=', sid);
    else if (sub) query = query.where('account_sub', '=', sub);
    else return 0;
    const result = await query.executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async removeByAccount(sub: string): Promise<number> {
    const result = await this.db.deleteFrom('rp_sessions').where('account_sub', '=', sub).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async purgeExpired(now = Date.now()): Promise<number> {
    const result = await this.db.deleteFrom('rp_sessions').where('expires_at', '<', now).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
