import type Provider from 'oidc-provider';
import type { EventBus } from '../events/bus.js';
import type { Logger } from '../shared/log.js';
import type { Store } from '../store/database.js';

/** Tells an app that a sign-in ended, by back-channel logout; false when the app takes no such notices. */
export async function sendBackchannelLogout(provider: Provider, clientId: string, accountId: string, sid: string): Promise<boolean> {
  const client = await provider.Client.find(clientId);
  if (!client?.backchannelLogoutUri) return false;
  await (client as unknown as { backchannelLogout(sub: string, sid: string): Promise<void> }).backchannelLogout(accountId, sid);
  return true;
}

const BATCH = 100;
/** An app that stays unreachable this many times is given up on (about an hour of retries in all). */
const MAX_ATTEMPTS = 6;
const RETRY_AFTER_MS = 60_000;
/** While a node sends a notice, the others leave it alone; a node that dies meanwhile leaves it to be sent again after this. */
const CLAIM_MS = 5 * 60_000;

export interface LogoutNoticeSender {
  /** Sends the notices that are due (one drain at a time; a call during a drain waits for it). */
  drain(): Promise<{ sent: number; failed: number }>;
}

/**
 * Sends the back-channel logout notices queued in logout_notices by work done outside a request (a roster import run
 * by the CLI or the watched folder disables accounts in a transaction of its own, possibly in another process). An app
 * that cannot be reached is tried again later, each time waiting twice as long; apps without a back-channel logout URI
 * have nothing to be told and their notices are simply dropped.
 */
export function createLogoutNoticeSender(provider: Provider, services: { store: Store; events: EventBus; log: Logger }): LogoutNoticeSender {
  const db = services.store.db;
  let running: Promise<{ sent: number; failed: number }> | null = null;

  async function drainDue(): Promise<{ sent: number; failed: number }> {
    let sent = 0;
    let failed = 0;
    for (;;) {
      const now = Date.now();
      const due = await db.selectFrom('logout_notices').selectAll().where('next_at', '<=', now).orderBy('next_at').limit(BATCH).execute();
      for (const notice of due) {
        const key = { account_id: notice.account_id, client_id: notice.client_id, sid: notice.sid };
        const update = db.updateTable('logout_notices').where((eb) => eb.and(key));
        // Claimed by moving it out of reach: another node that read the same row finds it no longer due.
        const claimed = await update
          .set({ next_at: now + CLAIM_MS })
          .where('next_at', '=', notice.next_at)
          .executeTakeFirst();
        if (Number(claimed.numUpdatedRows) !== 1) continue;
        const remove = () =>
          db
            .deleteFrom('logout_notices')
            .where((eb) => eb.and(key))
            .execute();
        try {
          if (await sendBackchannelLogout(provider, notice.client_id, notice.account_id, notice.sid)) sent += 1;
          await remove();
        } catch (error) {
          failed += 1;
          const attempts = Number(notice.attempts) + 1;
          services.log.warn({ err: { message: (error as Error).message }, client: notice.client_id, attempts }, 'back-channel logout failed');
          if (attempts >= MAX_ATTEMPTS) {
            await remove();
            await services.events.emit({ type: 'logout_notice.abandoned', subjectId: notice.account_id, data: { client: notice.client_id, attempts } });
          } else {
            await update.set({ attempts, next_at: now + RETRY_AFTER_MS * 2 ** (attempts - 1) }).execute();
          }
        }
      }
      if (due.length < BATCH) return { sent, failed };
    }
  }

  return {
    drain() {
      running ??= drainDue().finally(() => {
        running = null;
      });
      return running;
    },
  };
}
