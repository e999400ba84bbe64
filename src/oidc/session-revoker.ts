import type Provider from 'oidc-provider';
import type { EventBus } from '../events/bus.js';
import type { SessionRevoker } from '../recovery/ports.js';
import type { Logger } from '../shared/log.js';
import type { Store } from '../store/database.js';
import { revokeAccountOidcState } from '../store/oidc-adapter.js';
import type { SqlRpSessions } from '../store/rp-sessions-repo.js';
import { sendBackchannelLogout } from './logout-notices.js';
import { sessionSignIns } from './session-payload.js';

/**
 * Ends everything an account is signed in to: apps with a back-channel logout URI are told first (they need the
 * session ids), then every provider session, grant and token of the account is deleted, and the sessions of
 * Homeroom's own apps with them.
 */
export function createSessionRevoker(provider: Provider, services: { store: Store; rpSessions: SqlRpSessions; events: EventBus; log: Logger }): SessionRevoker {
  return {
    async revokeAll(accountId) {
      const sessions = await services.store.db.selectFrom('oidc_payloads').select('payload').where('kind', '=', 'Session').where('account_id', '=', accountId).execute();
      const notices: Promise<void>[] = [];
      for (const row of sessions) {
        for (const { clientId, sid } of sessionSignIns(row.payload)) {
          notices.push(
            sendBackchannelLogout(provider, clientId, accountId, sid).then(
              () => undefined,
              (error: Error) => services.log.warn({ err: { message: error.message }, client: clientId }, 'back-channel logout failed'),
            ),
          );
        }
      }
      await Promise.all(notices);
      await revokeAccountOidcState(services.store.db, accountId);
      await services.rpSessions.removeByAccount(accountId);
      await services.events.emit({ type: 'sessions.revoked', subjectId: accountId, data: { sessions: sessions.length } });
    },
  };
}
