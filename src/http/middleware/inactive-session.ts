import type { Middleware } from 'koa';
import type Provider from 'oidc-provider';
import type { AccountStore } from '../../accounts/ports.js';
import type { EventBus } from '../../events/bus.js';
import { AppError } from '../../shared/errors.js';
import { providerSessionId } from '../../oidc/browser-session.js';

/** The provider's authorization endpoint and its resumption after sign-in (`/auth/:uid`). */
const AUTHORIZATION = /^\/auth(?:\/[^/]+)?$/;

/**
 * A browser still signed in to an account that is no longer active (disabled in the database or by an administrator
 * while its session lived) gets no code and no assertion: the provider would take the session's account as signed
 * in yet find no account behind it. Its sign-in ends here, it gets a page saying why, and the refusal is audited.
 * Roster withdrawals end sessions themselves; this covers every other way an account stops being active.
 */
export function refuseInactiveSessions(provider: Provider, accounts: Pick<AccountStore, 'findById'>, events: EventBus): Middleware {
  return async (ctx, next) => {
    const sessionId = AUTHORIZATION.test(ctx.path) ? providerSessionId(ctx) : undefined;
    const session = sessionId ? await provider.Session.find(sessionId) : undefined;
    if (session?.accountId) {
      const account = await accounts.findById(session.accountId);
      if (!account || account.status !== 'active') {
        await session.destroy();
        await events.emit({ type: 'login.refused_disabled', subjectId: session.accountId, ip: ctx.state.ip ?? null, data: { status: account?.status ?? 'missing' } });
        throw new AppError(403, 'ACCOUNT_DISABLED', 'errors.accountDisabled');
      }
    }
    await next();
  };
}
