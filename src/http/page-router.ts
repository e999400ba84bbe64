import Router, { type RouterOptions } from '@koa/router';
import type { Csrf } from './middleware/csrf.js';
import type { Views } from './views.js';

/** What every router serving our pages receives: the views, and the CSRF token it issues and checks. */
export interface PageDeps {
  views: Views;
  csrf: Csrf;
}

/**
 * A router for our pages: it gives each of its requests the CSRF token its forms carry (a router's `use` runs only
 * for its own routes, so the provider's endpoints and other routers are left alone). Each form post still runs
 * `csrf.verify`, after its body parser.
 */
export function pageRouter({ csrf }: Pick<PageDeps, 'csrf'>, options?: RouterOptions): Router {
  const router = new Router(options);
  router.use(csrf.issue);
  return router;
}
