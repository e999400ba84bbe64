import type { Middleware } from 'koa';
import type { Role } from '../accounts/account.js';
import type { AccountStore } from '../accounts/ports.js';
import type { BuiltInRelyingParty } from '../rp/relying-party.js';
import { AppError } from '../shared/errors.js';
import { seeOther } from './redirect.js';

/** A middleware that lets through only people signed in with one of `roles`. */
export type SignedInAs = (roles: Role[]) => Middleware;

/**
 * Staff and admin pages sign in through the provider like every app: they share the portal's session. Without one,
 * a page view starts a sign-in that returns to it; with one, the account must still be active and hold one of the
 * roles, checked on every request.
 */
export function signedInAs(accounts: Pick<AccountStore, 'findById'>, portal: BuiltInRelyingParty): SignedInAs {
  return (roles) => async (ctx, next) => {
    const session = await portal.current(ctx);
    if (!session) {
      if (ctx.method === 'GET') return seeOther(ctx, await portal.startLogin(ctx, ctx.originalUrl));
      throw new AppError(401, 'SIGNED_OUT', 'errors.signedOut');
    }
    const account = await accounts.findById(session.accountSub);
    if (!account || account.status !== 'active') throw new AppError(401, 'SIGNED_OUT', 'errors.signedOut');
    if (!roles.some((role) => account.roles.includes(role))) throw new AppError(403, 'FORBIDDEN', 'errors.forbidden');
    ctx.state.account = account;
    ctx.set('Cache-Control', 'no-store');
    await next();
  };
}
