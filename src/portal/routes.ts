import Router from '@koa/router';
import type { Middleware } from 'koa';
import type { Role } from '../accounts/account.js';
import { formBody, formField } from '../http/middleware/body.js';
import { seeOther } from '../http/redirect.js';
import type { Views } from '../http/views.js';
import { helpLinksFor } from '../help/links.js';
import { iconUrl } from '../admin/apps.js';
import { launchUrlOf } from '../oidc/clients.js';
import type { BuiltInRelyingParty } from '../rp/relying-party.js';
import type { Services } from '../services.js';

/**
 * The portal at `/`: a first-party app that signs in through the provider like any other, then shows the person's
 * app tiles (single sign-on) and help links.
 */
export function portalRoutes(services: Services, views: Views, rp: BuiltInRelyingParty, verifyCsrf: Middleware): Router {
  const router = new Router();

  router.get('/', async (ctx) => {
    const session = await rp.current(ctx);
    if (!session) return seeOther(ctx, await rp.startLogin(ctx, '/'));
    const account = await services.accounts.findById(session.accountSub);
    if (!account || account.status !== 'active') {
      await rp.logout(ctx, `${services.config.issuer}/signed-out`);
      return seeOther(ctx, '/');
    }
    // Tiles by role, school and grade, as each app's settings in the admin console say.
    const apps = await services.clients.portalApps({ roles: account.roles as Role[], schoolIds: account.schools.map((s) => s.id), grade: account.grade });
    const locale = ctx.state.locale;
    views.render(
      ctx,
      'portal/index',
      {
        account,
        isAdmin: account.roles.includes('admin'),
        apps: apps.map((app) => {
          const name = Object.keys(app.names).length ? services.i18n.pick(app.names, locale) : app.name;
          return {
            id: app.clientId,
            name,
            description: Object.keys(app.descriptions).length ? services.i18n.pick(app.descriptions, locale) : '',
            url: launchUrlOf(app),
            icon: iconUrl(app),
            initial: name.trim().charAt(0).toUpperCase(),
          };
        }),
        helpLinks: helpLinksFor(services.config, ctx.state.locale, services.i18n, { roles: account.roles }),
      },
      { title: 'portal.title', private: true },
    );
  });

  router.get('/portal/callback', async (ctx) => {
    if (ctx.query.error) {
      // The person cancelled, or the provider refused: start a fresh sign-in rather than showing a dead end.
      return seeOther(ctx, '/');
    }
    const returnTo = await rp.finishLogin(ctx).catch((error) => {
      services.log.warn({ err: { message: (error as Error).message } }, 'portal callback rejected');
      return null;
    });
    seeOther(ctx, returnTo && returnTo.startsWith('/') && !returnTo.startsWith('//') ? returnTo : '/');
  });

  router.post('/logout', formBody, verifyCsrf, async (ctx) => {
    seeOther(ctx, await rp.logout(ctx, `${services.config.issuer}/signed-out`));
  });

  // Where a sign-out ends: a clear "you are signed out, hand the device over" page rather than a fresh login form.
  router.get('/signed-out', (ctx) => {
    views.render(ctx, 'logout/done', {}, { title: 'logout.doneTitle', private: true });
  });

  router.post('/portal/backchannel-logout', formBody, async (ctx) => {
    try {
      await rp.backchannelLogout(formField(ctx, 'logout_token'));
      ctx.status = 200;
      ctx.body = '';
    } catch {
      ctx.status = 400;
      ctx.body = { error: 'invalid_request' };
    }
  });

  return router;
}
