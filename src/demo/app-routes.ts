import type Router from '@koa/router';
import { formBody } from '../http/middleware/body.js';
import { pageRouter, type PageDeps } from '../http/page-router.js';
import { seeOther } from '../http/redirect.js';
import { DEMO_APP_PATH } from '../oidc/built-in-clients.js';
import { backchannelLogout } from '../rp/backchannel-logout.js';
import type { BuiltInRelyingParty } from '../rp/relying-party.js';
import type { Services } from '../services.js';
import { sameOriginPath } from '../shared/same-origin.js';

export type DemoAppDeps = Pick<Services, 'config' | 'log'> & PageDeps & { demoApp: BuiltInRelyingParty };

/**
 * "Maple Learning", the demo district's learning app: a separate OIDC client with its own session, so a newcomer
 * sees single sign-on from the portal and back-channel logout at work.
 */
export function demoAppRoutes(deps: DemoAppDeps): Router {
  const { demoApp: rp, views, csrf } = deps;
  const router = pageRouter(deps, { prefix: DEMO_APP_PATH });

  router.get('/', async (ctx) => {
    const session = await rp.current(ctx);
    if (!session) return seeOther(ctx, await rp.startLogin(ctx, `${DEMO_APP_PATH}/`));
    views.render(ctx, 'demo/app', { claims: session.claims }, { title: 'demoApp.title', private: true });
  });

  router.get('/callback', async (ctx) => {
    const returnTo = ctx.query.error
      ? null
      : await rp.finishLogin(ctx).catch((error) => {
          deps.log.warn({ err: { message: (error as Error).message } }, 'demo app callback rejected');
          return null;
        });
    if (!returnTo) return views.render(ctx, 'demo/signed-out', { failed: true }, { title: 'demoApp.title', status: 400 });
    seeOther(ctx, sameOriginPath(returnTo, deps.config.issuer) ?? `${DEMO_APP_PATH}/`);
  });

  router.post('/logout', formBody, csrf.verify, async (ctx) => {
    seeOther(ctx, await rp.logout(ctx, `${deps.config.issuer}${DEMO_APP_PATH}/signed-out`));
  });

  router.get('/signed-out', (ctx) => {
    views.render(ctx, 'demo/signed-out', { failed: false }, { title: 'demoApp.title' });
  });

  router.post('/backchannel-logout', formBody, backchannelLogout(rp));

  return router;
}
