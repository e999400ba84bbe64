import { randomUUID } from 'node:crypto';
import type { Context, Middleware } from 'koa';
import type Provider from 'oidc-provider';
import { appIconRoutes } from '../admin/app-icon-route.js';
import { adminRoutes } from '../admin/routes.js';
import { claimRoutes } from '../claim/routes.js';
import { demoAppRoutes } from '../demo/app-routes.js';
import { helpRoutes } from '../help/routes.js';
import { interactionRoutes } from '../interactions/routes.js';
import { DEMO_APP_CLIENT_ID, DEMO_APP_PATH, ensurePortalClient, PORTAL_CLIENT_ID } from '../oidc/built-in-clients.js';
import { createProvider } from '../oidc/provider.js';
import { portalRoutes } from '../portal/routes.js';
import { readinessRoutes } from '../readiness/routes.js';
import { staffRoutes } from '../staff/routes.js';
import { recoveryRoutes } from '../recovery/routes.js';
import { BuiltInRelyingParty, builtInClientSecret } from '../rp/relying-party.js';
import type { Services } from '../services.js';
import { healthRoutes } from './health.js';
import { Metrics } from './metrics.js';
import { clientIp } from './middleware/client-ip.js';
import { csrf } from './middleware/csrf.js';
import { errorHandler } from './middleware/errors.js';
import { liveSettings } from './middleware/live-settings.js';
import { locale } from './middleware/locale.js';
import { securityHeaders } from './middleware/security-headers.js';
import { staticAssets } from './static.js';
import { Views } from './views.js';

export interface AppOptions {
  /** Where this process reaches itself (for the built-in apps' back-end calls to the provider). */
  internalBaseUrl: () => string;
}

function accessLog(services: Services): Middleware {
  return async (ctx, next) => {
    const started = process.hrtime.bigint();
    ctx.state.requestId = ctx.get('x-request-id') || randomUUID();
    try {
      await next();
    } finally {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      services.log.debug({ method: ctx.method, path: ctx.path, status: ctx.status, ms: Math.round(ms * 10) / 10, requestId: ctx.state.requestId }, 'request');
    }
  };
}

/** Assembles the Koa application: oidc-provider is itself the Koa app; our middleware and routes run before it. */
export async function buildApp(services: Services, options: AppOptions): Promise<Provider> {
  const { config } = services;
  const views = new Views(config, services.i18n, process.env.NODE_ENV === 'development');

  const provider = await createProvider(services, {
    async logout(ctx, form) {
      views.render(ctx as unknown as Context, 'logout/confirm', { form, auto: Boolean(ctx.oidc.params?.id_token_hint) }, { title: 'logout.title', private: true });
    },
    async logoutSuccess(ctx) {
      views.render(ctx as unknown as Context, 'logout/done', {}, { title: 'logout.doneTitle', private: true });
    },
    async error(ctx, out) {
      const c = ctx as unknown as Context;
      const status = ctx.status >= 400 ? ctx.status : 400;
      services.log.info({ error: out.error, description: out.error_description }, 'oidc error shown');
      views.render(c, 'error', { message: (c.state.t as (id: string) => string)('errors.oidc'), code: out.error, detail: out.error_description, status }, { title: 'errors.title', status, private: true });
    },
  }, options.internalBaseUrl);
  provider.keys = services.cookieKeys;

  await ensurePortalClient(services);
  const relyingParty = (app: string, clientId: string, callbackPath: string, cookiePath: string) =>
    new BuiltInRelyingParty({
      app,
      clientId,
      clientSecret: builtInClientSecret(services.serverSecret, clientId),
      callbackPath,
      cookiePath,
      scope: 'openid profile email roles school',
      config,
      sessions: services.rpSessions,
      // Read at each sign-in: the session length is a policy the admin console can change while running.
      get sessionTtl() {
        return config.session.portalTtl;
      },
      internalBaseUrl: options.internalBaseUrl,
    });

  const { issue: issueCsrf, verify: verifyCsrf } = csrf(services.serverSecret, config.secureCookies);

  const metrics = new Metrics(services.events);
  provider.use(metrics.timing());
  provider.use(accessLog(services));
  provider.use(securityHeaders(config.secureCookies));
  provider.use(clientIp);
  provider.use(locale(services.i18n, config.i18n.defaultLocale, config.secureCookies));
  provider.use(errorHandler(views, services.log));
  provider.use(staticAssets());
  provider.use(healthRoutes(services.store).routes());
  provider.use(metrics.endpoint(() => config.metrics));
  provider.use(appIconRoutes(services).routes());
  provider.use(liveSettings(services));
  provider.use(async (ctx, next) => {
    // Our pages get a CSRF token; the provider's own endpoints (token, userinfo …) need none.
    if (/^\/($|interaction\/|portal\/|logout$|signed-out$|help\/|demo-app|claim|recover|admin|staff|helpdesk)/.test(ctx.path)) return issueCsrf(ctx, next);
    return next();
  });
  provider.use(helpRoutes(views).routes());
  provider.use(interactionRoutes(provider, services, views, verifyCsrf).routes());
  provider.use(claimRoutes(provider, services, views, verifyCsrf).routes());
  provider.use(recoveryRoutes(provider, services, views, verifyCsrf).routes());
  const portal = relyingParty('portal', PORTAL_CLIENT_ID, '/portal/callback', '/');
  provider.use(portalRoutes(services, views, portal, verifyCsrf).routes());
  provider.use(adminRoutes(services, views, portal, verifyCsrf).routes());
  provider.use(readinessRoutes(services, views, portal, verifyCsrf).routes());
  provider.use(
    staffRoutes(provider, services, views, portal, verifyCsrf, () => ({
      tickets: services.policies.current().tickets,
      timeZone: config.district.timeZone,
      loginLimit: config.login.perAccount,
      recoveryLimit: config.recovery.perAccount,
    })).routes(),
  );
  if (config.demo.enabled) {
    provider.use(demoAppRoutes(services, views, relyingParty('demo_app', DEMO_APP_CLIENT_ID, `${DEMO_APP_PATH}/callback`, DEMO_APP_PATH), verifyCsrf).routes());
  }
  return provider;
}
