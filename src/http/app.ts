import { randomUUID } from 'node:crypto';
import type { Context, Middleware } from 'koa';
import type Provider from 'oidc-provider';
import { appIconRoutes } from '../admin/app-icon-route.js';
import { adminRoutes } from '../admin/routes.js';
import { claimRoutes } from '../claim/routes.js';
import { demoAppRoutes } from '../demo/app-routes.js';
import { helpRoutes } from '../help/routes.js';
import { interactionRoutes } from '../interactions/routes.js';
import { browserAccountId, providerSessionId } from '../oidc/browser-session.js';
import { ensurePortalClient } from '../oidc/built-in-clients.js';
import { acceptsCrossSite } from '../oidc/cross-site-endpoints.js';
import { refuseInactiveSessions } from './middleware/inactive-session.js';
import { logoutConfirmation } from '../oidc/logout-request.js';
import { signOutRemembered } from '../oidc/sign-out-intent.js';
import { signedOutPage } from '../oidc/signed-out.js';
import { createProvider, type ProviderViews } from '../oidc/provider.js';
import { portalRoutes } from '../portal/routes.js';
import { readinessRoutes } from '../readiness/routes.js';
import { recoveryRoutes } from '../recovery/routes.js';
import { ensureSamlBridgeClient } from '../saml/build.js';
import { samlRoutes, samlSignOutStep } from '../saml/routes.js';
import { createWebServices, type Services, type WebServices } from '../services.js';
import type { Logger } from '../shared/log.js';
import { staffRoutes } from '../staff/routes.js';
import { pictureRoutes } from '../pictures/routes.js';
import { securityRoutes } from '../mfa/routes.js';
import { healthRoutes } from './health.js';
import { Metrics } from './metrics.js';
import { clientIp } from './middleware/client-ip.js';
import { csrf, type Csrf } from './middleware/csrf.js';
import { errorHandler } from './middleware/errors.js';
import { liveSettings } from './middleware/live-settings.js';
import { locale } from './middleware/locale.js';
import { refuseNulInAddress } from './middleware/nul-bytes.js';
import { sameOriginWrites } from './middleware/same-origin.js';
import { securityHeaders } from './middleware/security-headers.js';
import { signedInAs } from './signed-in.js';
import { routesOf } from './routes-of.js';
import { staticAssets } from './static.js';
import { Views } from './views.js';

export interface AppOptions {
  /** Where this process reaches itself (for the built-in apps' back-end calls to the provider). */
  internalBaseUrl: () => string;
}

export interface App {
  /** oidc-provider, which is itself the Koa application: serve `provider.callback()`. */
  provider: Provider;
  web: WebServices;
}

function accessLog(log: Logger): Middleware {
  return async (ctx, next) => {
    const started = process.hrtime.bigint();
    ctx.state.requestId = ctx.get('x-request-id') || randomUUID();
    try {
      await next();
    } finally {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      log.debug({ method: ctx.method, path: ctx.path, status: ctx.status, ms: Math.round(ms * 10) / 10, requestId: ctx.state.requestId }, 'request');
    }
  };
}

/** The provider's own pages (logout confirmation, signed out, errors), in our layout. */
function providerViews({ views, csrf: forms }: { views: Views; csrf: Csrf }, services: Pick<Services, 'accounts' | 'config' | 'log'>): ProviderViews {
  const { log } = services;
  const findAccount = (id: string) => services.accounts.findById(id);
  return {
    async logout(ctx, form) {
      const askedHere = (c: typeof ctx) => signOutRemembered(c, (given) => forms.matches(c, given), services.config.secureCookies);
      const page = await logoutConfirmation(ctx, form, { findAccount, askedHere });
      views.render(ctx as unknown as Context, 'logout/confirm', { ...page }, { title: 'logout.title', private: true });
    },
    async logoutSuccess(ctx) {
      // A client_id here means the person signed out of that app alone: the Homeroom session goes on.
      const accountId = ctx.oidc.params?.client_id ? await browserAccountId(ctx.oidc.provider, ctx) : null;
      const page = await signedOutPage(accountId, findAccount);
      views.render(ctx as unknown as Context, 'logout/done', { ...page, csrfToken: forms.tokenOf(ctx) }, { title: 'logout.doneTitle', private: true });
    },
    async error(ctx, out) {
      const c = ctx as unknown as Context;
      const status = ctx.status >= 400 ? ctx.status : 400;
      log.info({ error: out.error, description: out.error_description }, 'oidc error shown');
      views.render(
        c,
        'error',
        { message: (c.state.t as (id: string) => string)('errors.oidc'), code: out.error, detail: out.error_description, status },
        { title: 'errors.title', status, private: true },
      );
    },
  };
}

/**
 * Assembles the Koa application: oidc-provider is itself the Koa app; our middleware and routes run before it. Each
 * router receives the services it uses (src/services.ts builds them) and the page tools (views, CSRF).
 */
export async function buildApp(services: Services, options: AppOptions): Promise<App> {
  const { config } = services;
  const views = new Views(config, services.i18n, process.env.NODE_ENV === 'development');
  const pages = { views, csrf: csrf(services.serverSecret, config.secureCookies, providerSessionId) };
  const provider = await createProvider(services, providerViews(pages, services), options.internalBaseUrl);
  provider.keys = services.cookieSigner;
  await ensurePortalClient(services);
  await ensureSamlBridgeClient(services);
  const web = createWebServices(services, provider, options.internalBaseUrl);

  // Every router's deps type picks from this what it may use.
  const deps = { ...services, ...web, ...pages, provider, signedIn: signedInAs(services.accounts, web.portal) };

  const metrics = new Metrics(services.events);
  provider.use(metrics.timing());
  provider.use(accessLog(services.log));
  provider.use(securityHeaders(config.secureCookies));
  provider.use(clientIp);
  provider.use(locale(services.i18n, config.i18n.defaultLocale, config.secureCookies));
  provider.use(errorHandler(views, services.log));
  provider.use(refuseNulInAddress);
  provider.use(sameOriginWrites({ origin: new URL(config.issuer).origin, acceptsCrossSite, log: services.log }));
  provider.use(staticAssets());
  provider.use(samlSignOutStep(web.saml.slo));
  provider.use(refuseInactiveSessions(provider, services.accounts, services.events));
  provider.use(routesOf(healthRoutes(services.store)));
  provider.use(metrics.endpoint(() => config.metrics));
  provider.use(routesOf(appIconRoutes(services)));
  provider.use(liveSettings(services));
  provider.use(routesOf(helpRoutes(deps)));
  provider.use(routesOf(samlRoutes(deps)));
  provider.use(routesOf(interactionRoutes(deps)));
  provider.use(routesOf(claimRoutes(deps)));
  provider.use(routesOf(recoveryRoutes(deps)));
  provider.use(routesOf(portalRoutes(deps)));
  provider.use(routesOf(adminRoutes(deps)));
  provider.use(routesOf(readinessRoutes(deps)));
  provider.use(routesOf(staffRoutes(deps)));
  provider.use(routesOf(pictureRoutes(deps)));
  provider.use(routesOf(securityRoutes(deps)));
  if (web.demoApp) provider.use(routesOf(demoAppRoutes({ ...deps, demoApp: web.demoApp })));
  return { provider, web };
}
