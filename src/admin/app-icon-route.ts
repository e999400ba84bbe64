import Router from '@koa/router';
import type { Services } from '../services.js';
import { notFound } from '../shared/errors.js';
import { CLIENT_ID } from './apps.js';

/** Icons are public (the portal's tiles show them): images only, cached, and never able to run script. */
export function appIconRoutes(services: Pick<Services, 'clients'>): Router {
  const router = new Router();
  router.get('/apps/:id/icon', async (ctx) => {
    if (!CLIENT_ID.test(ctx.params.id)) throw notFound();
    const icon = await services.clients.icon(ctx.params.id);
    if (!icon) throw notFound();
    ctx.set('Content-Security-Policy', "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; sandbox");
    ctx.set('Cache-Control', ctx.query.v === icon.etag ? 'public, max-age=31536000, immutable' : 'public, max-age=300');
    ctx.set('Content-Disposition', 'inline; filename="icon"');
    ctx.etag = icon.etag;
    ctx.type = icon.contentType;
    ctx.status = 200;
    if (ctx.fresh) {
      ctx.status = 304;
      return;
    }
    ctx.body = icon.data;
  });
  return router;
}
