import type Router from '@koa/router';
import type { Role } from '../accounts/account.js';
import { formBody } from '../http/middleware/body.js';
import { preferHomeLanguage } from '../http/middleware/locale.js';
import { pageRouter, type PageDeps } from '../http/page-router.js';
import { seeOther } from '../http/redirect.js';
import { helpLinksFor } from '../help/links.js';
import { iconUrl } from '../admin/apps.js';
import { launchUrlOf } from '../oidc/clients.js';
import { rememberSignOut } from '../oidc/sign-out-intent.js';
import { signedOutPage } from '../oidc/signed-out.js';
import { backchannelLogout } from '../rp/backchannel-logout.js';
import { BADGE_START_COOKIE } from '../badges/routes.js';
import { mayOpenApp, signInMethodOf } from '../policies/young-sign-in.js';
import type { Services, WebServices } from '../services.js';
import { sameOriginPath } from '../shared/same-origin.js';

export type PortalDeps = Pick<Services, 'config' | 'accounts' | 'clients' | 'samlProviders' | 'i18n' | 'log' | 'homeLanguages'> & Pick<WebServices, 'portal'> & PageDeps;

/**
 * The portal at `/`: a first-party app that signs in through the provider like any other, then shows the person's
 * app tiles (single sign-on) and help links.
 */
export function portalRoutes(deps: PortalDeps): Router {
  const { portal: rp, views, csrf } = deps;
  const router = pageRouter(deps);

  router.get('/', async (ctx) => {
    const session = await rp.current(ctx);
    if (!session) return seeOther(ctx, await rp.startLogin(ctx, '/'));
    const account = await deps.accounts.findById(session.accountSub);
    if (!account || account.status !== 'active') {
      await rp.logout(ctx, `${deps.config.issuer}/signed-out`);
      return seeOther(ctx, '/');
    }
    preferHomeLanguage(ctx, deps.i18n, await deps.homeLanguages.of(account.id));
    // Tiles by role, school and grade, as each app's settings in the admin console say; OIDC and SAML apps alike.
    const viewer = { roles: account.roles as Role[], schoolIds: account.schools.map((s) => s.id), grade: account.grade };
    const [allApps, allSamlApps] = await Promise.all([deps.clients.portalApps(viewer), deps.samlProviders.portalApps(viewer)]);
    // A badge or picture sign-in sees only the apps it may open (policy signIn.youngApps).
    const method = signInMethodOf(Array.isArray(session.claims.amr) ? (session.claims.amr as string[]) : undefined);
    const apps = allApps.filter((app) => mayOpenApp(method, app, deps.config.signIn));
    const samlApps = allSamlApps.filter((app) => mayOpenApp(method, app, deps.config.signIn));
    const locale = ctx.state.locale;
    const tile = (app: { id: string; name: string; names: Record<string, string>; descriptions: Record<string, string>; url: string; icon: string | null }) => {
      const name = Object.keys(app.names).length ? deps.i18n.pick(app.names, locale) : app.name;
      return {
        id: app.id,
        name,
        description: Object.keys(app.descriptions).length ? deps.i18n.pick(app.descriptions, locale) : '',
        url: app.url,
        icon: app.icon,
        initial: name.trim().charAt(0).toUpperCase(),
      };
    };
    const tiles = [
      ...apps.map((app) => tile({ ...app, id: app.clientId, url: launchUrlOf(app), icon: iconUrl(app) })),
      ...samlApps.map((app) => tile({ ...app, url: `/saml/launch/${app.id}`, icon: null })),
    ].sort((a, b) => a.name.localeCompare(b.name, locale));
    views.render(
      ctx,
      'portal/index',
      {
        account,
        isAdmin: account.roles.includes('admin'),
        isStaff: account.roles.some((role) => role !== 'student'),
        apps: tiles,
        helpLinks: helpLinksFor(deps.config, ctx.state.locale, deps.i18n, { roles: account.roles }),
      },
      { title: 'portal.title', private: true },
    );
  });

  // A badge's QR code opened by a phone's camera app: a sign-in that goes to the badge page, where the code in this
  // address's fragment (which browsers keep through redirects, and never send) signs the student in.
  router.get('/badge', async (ctx) => {
    ctx.cookies.set(BADGE_START_COOKIE, '1', { httpOnly: true, sameSite: 'lax', secure: deps.config.secureCookies, maxAge: 10 * 60 * 1000, overwrite: true });
    // prompt=login: on a shared classroom device the previous student's session must not stand in for this badge.
    seeOther(ctx, await rp.startLogin(ctx, '/', { prompt: 'login' }));
  });

  router.get('/portal/callback', async (ctx) => {
    if (ctx.query.error) {
      // The person cancelled, or the provider refused: start a fresh sign-in rather than showing a dead end.
      return seeOther(ctx, '/');
    }
    const returnTo = await rp.finishLogin(ctx).catch((error) => {
      deps.log.warn({ err: { message: (error as Error).message } }, 'portal callback rejected');
      return null;
    });
    seeOther(ctx, (returnTo && sameOriginPath(returnTo, deps.config.issuer)) || '/');
  });

  router.post('/logout', formBody, csrf.verify, async (ctx) => {
    seeOther(ctx, await rp.logout(ctx, `${deps.config.issuer}/signed-out`));
  });

  // Where a sign-out ends: a clear "you are signed out, hand the device over" page rather than a fresh login form,
  // unless the person signed out of the portal alone and is still signed in to Homeroom.
  router.get('/signed-out', async (ctx) => {
    const page = await signedOutPage(await rp.providerAccountId(ctx), (id) => deps.accounts.findById(id));
    views.render(ctx, 'logout/done', { ...page }, { title: 'logout.doneTitle', private: true });
  });

  // "Sign out everywhere" on a page that found the browser still signed in: the end-session page completes by itself.
  router.post('/signed-out', formBody, csrf.verify, async (ctx) => {
    rememberSignOut(ctx, ctx.state.csrfToken as string, deps.config.secureCookies);
    const query = new URLSearchParams({ client_id: rp.clientId, post_logout_redirect_uri: `${deps.config.issuer}/signed-out` });
    seeOther(ctx, `/session/end?${query}`);
  });

  router.post('/portal/backchannel-logout', formBody, backchannelLogout(rp));

  return router;
}
