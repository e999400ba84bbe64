import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Middleware } from 'koa';
import { AppError } from '../../shared/errors.js';
import { formField } from './body.js';

const COOKIE = 'hr_csrf';

/**
 * Synchronizer token bound to a per-browser cookie: every form carries HMAC(secret, cookie). A page on another site
 * can neither read the cookie nor compute the token, so it cannot forge a post.
 */
export interface Csrf {
  /** Gives the request its token (ctx.state.csrfToken), setting the browser's cookie when it has none. */
  issue: Middleware;
  /** Refuses a POST whose form does not carry the token (403 CSRF_FAILED); runs after the body is parsed. */
  verify: Middleware;
}

export function csrf(secret: string, secure: boolean): Csrf {
  const tokenFor = (seed: string) => createHmac('sha256', secret).update(`csrf:${seed}`).digest('base64url');

  const issue: Middleware = async (ctx, next) => {
    let seed = ctx.cookies.get(COOKIE);
    if (!seed || !/^[A-Za-z0-9_-]{22,64}$/.test(seed)) {
      seed = randomBytes(18).toString('base64url');
      ctx.cookies.set(COOKIE, seed, { httpOnly: true, sameSite: 'lax', secure, signed: false, overwrite: true });
    }
    ctx.state.csrfToken = tokenFor(seed);
    await next();
  };

  const verify: Middleware = async (ctx, next) => {
    if (ctx.method === 'POST') {
      const expected = Buffer.from(ctx.state.csrfToken as string);
      const given = Buffer.from(formField(ctx, '_csrf'));
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        throw new AppError(403, 'CSRF_FAILED', 'errors.csrf');
      }
    }
    await next();
  };

  return { issue, verify };
}
