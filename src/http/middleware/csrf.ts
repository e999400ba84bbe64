import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context, Middleware } from 'koa';
import { AppError } from '../../shared/errors.js';
import { formField } from './body.js';

const COOKIE = 'hr_csrf';

export interface Csrf {
  /** Gives the request its token (ctx.state.csrfToken), setting the browser's cookie when it has none. */
  issue: Middleware;
  /** Refuses a POST whose form does not carry the token (403 CSRF_FAILED); runs after the body is parsed. */
  verify: Middleware;
  /** This browser's token, for pages rendered outside `issue` (the provider's). */
  tokenOf(ctx: Pick<Context, 'cookies'>): string;
  /** Whether `given` is this browser's token. */
  matches(ctx: Pick<Context, 'cookies'>, given: string): boolean;
}

/**
 * Synchronizer token bound to a per-browser cookie and to the person's session: every form carries
 * HMAC(secret, cookie, session). A page on another site can neither read the cookie nor compute the token, so it
 * cannot forge a post; and a token seen before a sign-in (or in someone else's session on a shared device, or under
 * a cookie planted from a sibling site) is worth nothing once another session is in place.
 */
export function csrf(secret: string, secure: boolean, sessionOf: (ctx: Pick<Context, 'cookies'>) => string | undefined): Csrf {
  const tokenFor = (seed: string, session: string) => createHmac('sha256', secret).update(`csrf:${seed}:${session}`).digest('base64url');

  function tokenOf(ctx: Pick<Context, 'cookies'>): string {
    let seed = ctx.cookies.get(COOKIE);
    if (!seed || !/^[A-Za-z0-9_-]{22,64}$/.test(seed)) {
      seed = randomBytes(18).toString('base64url');
      ctx.cookies.set(COOKIE, seed, { httpOnly: true, sameSite: 'lax', secure, signed: false, overwrite: true });
    }
    return tokenFor(seed, sessionOf(ctx) ?? '');
  }

  function same(expected: string, given: string): boolean {
    const a = Buffer.from(expected);
    const b = Buffer.from(given);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  const issue: Middleware = async (ctx, next) => {
    ctx.state.csrfToken = tokenOf(ctx);
    await next();
  };

  const verify: Middleware = async (ctx, next) => {
    if (ctx.method === 'POST' && !same(ctx.state.csrfToken as string, formField(ctx, '_csrf'))) {
      throw new AppError(403, 'CSRF_FAILED', 'errors.csrf');
    }
    await next();
  };

  return { issue, verify, tokenOf, matches: (ctx, given) => same(tokenOf(ctx), given) };
}
