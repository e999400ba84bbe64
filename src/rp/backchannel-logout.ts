import type { Middleware } from 'koa';
import { formField } from '../http/middleware/body.js';
import type { BuiltInRelyingParty } from './relying-party.js';

/**
 * The back-channel logout endpoint of one of Homeroom's own apps (after formBody). The provider posts it server to
 * server: there is no page, hence no CSRF token; the logout token's signature is the proof.
 */
export function backchannelLogout(rp: BuiltInRelyingParty): Middleware {
  return async (ctx) => {
    try {
      await rp.backchannelLogout(formField(ctx, 'logout_token'));
      ctx.status = 200;
      ctx.body = '';
    } catch {
      ctx.status = 400;
      ctx.body = { error: 'invalid_request' };
    }
  };
}
