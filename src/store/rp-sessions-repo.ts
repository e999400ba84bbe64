import { sql, type Kysely } from 'kysely';
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

/**
 * Sessions of the relying parties Homeroom itself runs (the portal, the demo app). Each is bound to the provider
 * session it was signed in through: it counts only while that session lives and the browser presents it, so it never
 * outlives the person's Homeroom sign-in, whatever the app's own expiry says.
 */
export class SqlRpSessions {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * Stores the app session, bound to the browser's provider session `providerSessionId` (the id its session cookie
   * holds). One statement: nothing is stored, and false comes back, when that is not a live session of the same account.
   */
  async create(session: RpSession, providerSessionId: string, now = Date.now()): Promise<boolean> {
    const text = (value: string | null) => sql<string>`cast(${value} as text)`;
    const result = await this.db
      .insertInto('rp_sessions')
      .columns(['id', 'app', 'account_sub', 'sid', 'id_token', 'claims', 'expires_at', 'provider_session_uid'])
      .expression(
        this.db
          .selectFrom('oidc_payloads as p')
          .select([
            text(session.id).as('id'),
            text(session.app).as('app'),
            text(session.accountSub).as('account_sub'),
            text(session.sid).as('sid'),
            text(session.idToken).as('id_token'),
            text(JSON.stringify(session.claims)).as('claims'),
            sql<number>`cast(${session.expiresAt} as bigint)`.as('expires_at'),
            'p.uid as provider_session_uid',
          ])
          .where('p.kind', '=', 'Session')
          .where('p.id', '=', providerSessionId)
          .where('p.account_id', '=', session.accountSub)
          .where('p.uid', 'is not', null)
          .where((eb) => eb.or([eb('p.expires_at', 'is', null), eb('p.expires_at', '>', now)])),
      )
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
  }

  /** The app session, while it and the provider session the browser presents (`providerSessionId`) both live. */
  async get(app: string, id: string, providerSessionId: string, now = Date.now()): Promise<RpSession | undefined> {
    const row = await this.db
      .selectFrom('rp_sessions as r')
      .innerJoin('oidc_payloads as p', (join) => join.on('p.kind', '=', 'Session').onRef('p.uid', '=', 'r.provider_session_uid').onRef('p.account_id', '=', 'r.account_sub'))
      .select(['r.id', 'r.app', 'r.account_sub', 'r.sid', 'r.id_token', 'r.claims', 'r.expires_at', 'p.expires_at as provider_expires_at'])
      .where('r.app', '=', app)
      .where('r.id', '=', id)
      .where('p.id', '=', providerSessionId)
      .executeTakeFirst();
    if (!row || row.expires_at <= now) return undefined;
    if (row.provider_expires_at !== null && Number(row.provider_expires_at) <= now) return undefined;
    return {
      id: row.id,
      app: row.app,
      accountSub: row.account_sub,
      sid: row.sid,
      idToken: row.id_token,
      claims: JSON.parse(row.claims),
      expiresAt: Number(row.expires_at),
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

  /** Removes the sessions past their own expiry and those whose provider session has ended. */
  async purgeExpired(now = Date.now()): Promise<number> {
    const result = await this.db
      .deleteFrom('rp_sessions')
      .where((eb) =>
        eb.or([
          eb('expires_at', '<', now),
          eb.not(
            eb.exists(
              eb
                .selectFrom('oidc_payloads as p')
                .select('p.id')
                .where('p.kind', '=', 'Session')
                .whereRef('p.uid', '=', 'rp_sessions.provider_session_uid')
                .where((inner) => inner.or([inner('p.expires_at', 'is', null), inner('p.expires_at', '>', now)])),
            ),
          ),
        ]),
      )
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
