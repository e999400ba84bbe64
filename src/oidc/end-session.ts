import type Provider from 'oidc-provider';
import type { EventBus } from '../events/bus.js';
import type { Logger } from '../shared/log.js';
import type { Store } from '../store/database.js';
import { sendBackchannelLogout } from './logout-notices.js';
import { sessionSignIns } from './session-payload.js';

export interface SessionEndDeps {
  store: Store;
  log: Logger;
  events: EventBus;
}

/**
 * Ends one provider sign-in session, found by the `sid` one of its apps knows it by (an app's single logout request
 * arrives without the browser's cookies): every app it signed in to that takes back-channel notices is told, its
 * grants and their tokens are revoked, and the session is deleted. False when no such session is open any more.
 */
export async function endSignInSession(provider: Provider, services: SessionEndDeps, clientId: string, accountId: string, sid: string): Promise<boolean> {
  const db = services.store.db;
  const rows = await db.selectFrom('oidc_payloads').select(['id', 'payload']).where('kind', '=', 'Session').where('account_id', '=', accountId).execute();
  const row = rows.find((r) => sessionSignIns(r.payload).some((s) => s.clientId === clientId && s.sid === sid));
  if (!row) return false;
  await Promise.all(
    sessionSignIns(row.payload).map(({ clientId: app, sid: appSid }) =>
      sendBackchannelLogout(provider, app, accountId, appSid).catch((error: Error) =>
        services.log.warn({ err: { message: error.message }, client: app }, 'back-channel logout failed'),
      ),
    ),
  );
  const authorizations = (JSON.parse(row.payload) as { authorizations?: Record<string, { grantId?: string }> }).authorizations ?? {};
  const grants = Object.values(authorizations)
    .map((a) => a.grantId)
    .filter((g): g is string => typeof g === 'string');
  if (grants.length) await db.deleteFrom('oidc_payloads').where('grant_id', 'in', grants).execute();
  await db.deleteFrom('oidc_payloads').where('kind', '=', 'Session').where('id', '=', row.id).execute();
  await services.events.emit({ type: 'session.ended', subjectId: accountId, data: { via: clientId } });
  return true;
}
