import type Router from '@koa/router';
import { pageRouter, type PageDeps } from '../http/page-router.js';
import { BUILT_IN_TOPICS } from './links.js';

/** Built-in help pages families can read before signing in. */
export function helpRoutes(deps: PageDeps): Router {
  const { views } = deps;
  const router = pageRouter(deps);
  router.get('/help/:topic', (ctx, next) => {
    const topic = ctx.params.topic as (typeof BUILT_IN_TOPICS)[number];
    if (!BUILT_IN_TOPICS.includes(topic)) return next();
    views.render(ctx, `help/${topic}`, {}, { title: `help.${topic}.title` });
  });
  return router;
}
