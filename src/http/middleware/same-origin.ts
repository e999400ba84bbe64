import type { Middleware } from 'koa';
import type { Logger } from 'pino';
import { AppError } from '../../shared/errors.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export interface SameOriginOptions {
  /** The public origin (the issuer's): what a browser on Homeroom's pages sends as `Origin`. */
  origin: string;
  /** Endpoints other sites call by design (token, introspection …), left to their own authentication. */
  acceptsCrossSite(path: string): boolean;
  log: Logger;
}

/**
 * Every state-changing request must come from Homeroom's own pages, as the browser tells it: `Sec-Fetch-Site`
 * (same-origin, or none for one the person started) and, from browsers that do not send it, `Origin`. A request with
 * neither comes from a program, not a browser, and is left to the CSRF token and the route's own checks. This stands
 * beside the CSRF token: a form on another site (or a sibling subdomain) is refused even where a cookie could be
 * planted.
 */
export function sameOriginWrites(options: SameOriginOptions): Middleware {
  return async (ctx, next) => {
    if (SAFE_METHODS.has(ctx.method) || options.acceptsCrossSite(ctx.path)) return next();
    const site = ctx.get('sec-fetch-site');
    const origin = ctx.get('origin');
    // The origin this request was addressed to, as the browser saw it (Koa 3's ctx.origin is the Origin header).
    const own = `${ctx.protocol}://${ctx.host}`;
    const sameOrigin = site ? site === 'same-origin' || site === 'none' : !origin || origin === options.origin || origin === own;
    if (!sameOrigin) {
      options.log.warn({ method: ctx.method, path: ctx.path, site: site || undefined, origin: origin || undefined }, 'cross-site request refused');
      throw new AppError(403, 'CROSS_SITE_REQUEST', 'errors.crossSite');
    }
    await next();
  };
}
