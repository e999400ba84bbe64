import { randomBytes } from 'node:crypto';
import Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { formBody, formBodyUpTo, formField } from '../http/middleware/body.js';
import { seeOther } from '../http/redirect.js';
import type { PageDeps } from '../http/page-router.js';
import type { Services, WebServices } from '../services.js';
import { AppError } from '../shared/errors.js';
import { SAML_BRIDGE_CLIENT_ID } from './bridge.js';
import { YoungAppRefusal, type Outgoing } from './identity-provider.js';
import { renderYoungAppRefused } from '../http/young-app-refused.js';
import { SamlRefusal } from './refusal.js';
import type { IncomingParameters } from './requests.js';
import type { SamlSingleLogout } from './single-logout.js';

export type SamlRouteDeps = Pick<Services, 'config' | 'samlSessions' | 'events' | 'log'> & Pick<WebServices, 'saml'> & PageDeps;

/** Ties a pending sign-in to the browser that started it. */
const BROWSER_COOKIE = 'hr_saml';

/**
 * The SAML endpoints. /saml/sso and /saml/slo receive cross-site posts from apps by design (that is the HTTP-POST
 * binding): they carry no CSRF token, and are protected by what the message itself proves (a registered issuer,
 * its signature, a one-time request ID, an unguessable SessionIndex or RelayState).
 */
export function samlRoutes(deps: SamlRouteDeps): Router {
  const { config, views } = deps;
  const { idp, slo, bridge } = deps.saml;
  const router = new Router({ prefix: '/saml' });
  const samlForm = formBodyUpTo(config.saml.maxMessageBytes + 8192);

  router.use(refusalsAsPages(deps));

  router.get('/metadata', async (ctx) => {
    ctx.type = 'application/samlmetadata+xml';
    ctx.set('Cache-Control', 'public, max-age=300');
    ctx.body = await idp.metadata();
  });

  router.get('/certificate.pem', async (ctx) => {
    ctx.type = 'application/x-pem-file';
    ctx.set('Content-Disposition', 'attachment; filename="homeroom-saml.pem"');
    ctx.set('Cache-Control', 'public, max-age=300');
    ctx.body = await idp.signingCertificate();
  });

  const sso = (binding: 'redirect' | 'post') => async (ctx: Context) => {
    const result = await idp.acceptAuthnRequest(incoming(ctx, binding));
    if ('answer' in result) return send(ctx, result.answer);
    // The browser's SameSite=Lax cookie is not sent with an app's cross-site post: the next GET carries it.
    if (binding === 'post') return seeOther(ctx, `/saml/continue/${result.pending.id}`);
    return continueSignIn(ctx, result.pending.id);
  };
  router.get('/sso', sso('redirect'));
  router.post('/sso', samlForm, sso('post'));
  router.get('/continue/:id', (ctx) => continueSignIn(ctx, ctx.params.id));

  router.get('/launch/:id', async (ctx) => {
    const { id } = await idp.startUnsolicited(ctx.params.id);
    await continueSignIn(ctx, id);
  });

  router.get('/callback', async (ctx) => {
    const id = typeof ctx.query.state === 'string' ? ctx.query.state : '';
    const pending = await idp.pendingFor(id, browserKey(ctx));
    const outcome =
      typeof ctx.query.error === 'string'
        ? { error: ctx.query.error }
        : {
            identity: await bridge.finish(new URL(`${config.issuer}${ctx.originalUrl}`), pending.login).catch((error: Error) => {
              deps.log.warn({ err: { message: error.message } }, 'SAML bridge callback rejected');
              throw new SamlRefusal('REQUEST_EXPIRED_FLOW');
            }),
          };
    const answer = await idp.answer(id, pending, outcome, ctx.state.ip ?? null).catch((error: unknown) => {
      if (error instanceof YoungAppRefusal) return error;
      throw error;
    });
    if (answer instanceof YoungAppRefusal) return renderYoungAppRefused(views, ctx, answer.appName);
    send(ctx, answer);
  });

  router.get('/slo', async (ctx) => send(ctx, await slo.receive(incoming(ctx, 'redirect'), ctx.state.ip ?? null)));
  router.post('/slo', samlForm, async (ctx) => send(ctx, await slo.receive(incoming(ctx, 'post'), ctx.state.ip ?? null)));
  router.get('/logout/:id', async (ctx) => send(ctx, await slo.next(ctx.params.id)));

  // The provider's back-channel notice that a sign-in session ended: its SAML sessions are marked ended.
  router.post('/backchannel-logout', formBody, async (ctx) => {
    try {
      const sid = await bridge.loggedOutSid(formField(ctx, 'logout_token'));
      if (sid) await deps.samlSessions.endBySid(sid);
      ctx.status = 200;
      ctx.body = '';
    } catch {
      ctx.status = 400;
      ctx.body = { error: 'invalid_request' };
    }
  });

  async function continueSignIn(ctx: Context, id: string) {
    const pending = await idp.pendingFor(id, browserKey(ctx));
    const prompt = pending.forceAuthn ? 'login' : pending.isPassive ? 'none' : undefined;
    seeOther(ctx, await bridge.authorizationUrl(pending.login, { prompt, uiLocales: ctx.state.localeChosen ? ctx.state.locale : undefined }));
  }

  function browserKey(ctx: Context): string {
    const existing = ctx.cookies.get(BROWSER_COOKIE, { signed: true });
    if (existing) return existing;
    const key = randomBytes(18).toString('base64url');
    ctx.cookies.set(BROWSER_COOKIE, key, { httpOnly: true, sameSite: 'lax', secure: config.secureCookies, signed: true, path: '/saml', overwrite: true });
    return key;
  }

  function send(ctx: Context, outgoing: Outgoing) {
    if (outgoing.kind === 'redirect') return seeOther(ctx, outgoing.url);
    views.render(ctx, 'saml/post', { url: outgoing.url, fields: outgoing.fields }, { title: 'saml.post.title', private: true });
  }

  return router;
}

function incoming(ctx: Context, binding: 'redirect' | 'post'): IncomingParameters {
  const fields: Record<string, string | undefined> = {};
  for (const name of ['SAMLRequest', 'SAMLResponse', 'RelayState']) {
    const value = binding === 'redirect' ? ctx.query[name] : formField(ctx, name) || undefined;
    if (Array.isArray(value)) throw new SamlRefusal('MESSAGE_ENCODING');
    fields[name] = value;
  }
  return { binding, fields, querystring: binding === 'redirect' ? ctx.querystring : '' };
}

/** A refused SAML message: an audit event, then a clear page (400) through the error middleware. */
function refusalsAsPages(deps: SamlRouteDeps): Middleware {
  return async (ctx, next) => {
    try {
      await next();
    } catch (caught) {
      let refusal = caught;
      if (caught instanceof AppError && (caught.code === 'BODY_TOO_LARGE' || caught.code === 'UNSUPPORTED_MEDIA_TYPE')) {
        refusal = new SamlRefusal(caught.code === 'BODY_TOO_LARGE' ? 'MESSAGE_TOO_LARGE' : 'MESSAGE_ENCODING');
      }
      if (!(refusal instanceof SamlRefusal)) throw caught;
      await deps.events.emit({ type: 'saml.refused', ip: ctx.state.ip ?? null, data: { reason: refusal.code, app: refusal.entityId, path: ctx.path } });
      throw new AppError(400, refusal.code, `saml.errors.${refusal.code}`);
    }
  };
}

/**
 * A step Homeroom's sign-out passes through: once the provider has ended a sign-in session (and sent the OIDC
 * back-channel notices), the browser is sent through the SAML apps it had signed in to, then on to where the
 * sign-out was going. The provider keeps the session object in memory after ending it, so its bridge sid is known.
 */
export function samlSignOutStep(slo: SamlSingleLogout): Middleware {
  return async (ctx, next) => {
    await next();
    if (ctx.method !== 'POST' || ctx.path !== '/session/end/confirm' || ctx.status !== 303) return;
    const oidc = (ctx as unknown as { oidc?: { params?: { logout?: unknown }; session?: { destroyed?: boolean; sidFor(clientId: string): string | undefined } } }).oidc;
    if (!oidc?.params?.logout || !oidc.session?.destroyed) return;
    const sid = oidc.session.sidFor(SAML_BRIDGE_CLIENT_ID);
    if (!sid) return;
    const chain = await slo.startAfterSignOut(sid, ctx.response.get('Location'));
    if (chain) seeOther(ctx, `/saml/logout/${chain}`);
  };
}
