import type Router from '@koa/router';
import type { Middleware } from 'koa';

/** The first segment of a path, lower-cased as the router compares it ('' for '/'); null when it is not plain text. */
function head(path: string): string | null {
  const segment = path.split('/')[1] ?? '';
  return /^[A-Za-z0-9._~-]*$/.test(segment) ? segment.toLowerCase() : null;
}

/**
 * A router's middleware that steps aside at once for a request no route of it can match. A sign-in's requests go
 * through every router before reaching the provider, and each router tests the path against every one of its routes:
 * comparing the first path segment with those of its routes first spares most of that. A router with a route whose
 * first segment is a parameter or a pattern is always asked.
 */
export function routesOf(router: Router): Middleware {
  const dispatch = router.routes() as Middleware;
  const heads = new Set<string>();
  for (const layer of router.stack) {
    // Middleware added with router.use() runs only when one of the router's routes matches, so only routes count.
    if (layer.methods.length === 0) continue;
    const first = typeof layer.path === 'string' ? head(layer.path) : null;
    if (first === null) return dispatch;
    heads.add(first);
  }
  const shortcut: Middleware = (ctx, next) => {
    const first = head(ctx.path);
    return first !== null && !heads.has(first) ? next() : dispatch(ctx, next);
  };
  // As on the router's own middleware: whatever lists the app's routes (the CSRF and fuzz tests) finds the router here.
  return Object.assign(shortcut, { router });
}
