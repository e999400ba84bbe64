import { randomBytes } from 'node:crypto';
import type Router from '@koa/router';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import type { Browser, FlowRunner } from '../flows/engine.js';
import type { Flow } from '../flows/flow.js';
import { dateTimeFormat } from '../i18n/format.js';
import type { Locale } from '../i18n/i18n.js';
import type { LoginFlows } from '../interactions/login-flow.js';
import type { Services } from '../services.js';
import { deviceCookie, type DeviceCookie } from './device-cookie.js';
import { formBody, formFields } from './middleware/body.js';
import { preferAppLocales, preferHomeLanguage } from './middleware/locale.js';
import { pageRouter, type PageDeps } from './page-router.js';
import { seeOther } from './redirect.js';
import { QueryValues } from '../shared/query-values.js';

export interface FlowPagesOptions<C> extends PageDeps {
  /** URL prefix, e.g. /claim. */
  prefix: string;
  /** View folder, e.g. claim (views/claim/<step>.ejs). */
  viewFolder: string;
  runner: FlowRunner<C>;
  timeZone: string;
  secureCookies: boolean;
  /** The browser's device cookie, handed to the steps (recovery counts a trusted device's attempts apart). */
  devices?: DeviceCookie;
  /** Context of a new flow, from the starting request (e.g. the sign-in it came from). */
  start(ctx: Context): Promise<C>;
  /** Extra locals for a step's page. */
  locals(ctx: Context, flow: Flow<C>): Promise<Record<string, unknown>>;
  /** Settles the page's language from the flow (before any date or message on it is formatted). */
  language?(ctx: Context, flow: Flow<C>): Promise<void>;
}

/**
 * The secret naming this browser to the self-service flows it starts: one cookie for all of them (a parent may claim
 * two children's accounts in two tabs), ending with the browser.
 */
const FLOW_COOKIE = 'hr_flow';

function browserOf(ctx: Context): Browser {
  const secret = ctx.cookies.get(FLOW_COOKIE);
  return { secret: secret && /^[A-Za-z0-9_-]{24,64}$/.test(secret) ? secret : null, ip: ctx.state.ip };
}

function browserSecret(ctx: Context, secure: boolean): string {
  const known = browserOf(ctx).secret;
  if (known) return known;
  const secret = randomBytes(24).toString('base64url');
  ctx.cookies.set(FLOW_COOKIE, secret, { httpOnly: true, sameSite: 'lax', secure, signed: false, path: '/', overwrite: true });
  return secret;
}

function formatParams(params: Record<string, unknown>, locale: Locale, timeZone: string): Record<string, unknown> {
  if (typeof params.at !== 'number') return params;
  const date = dateTimeFormat(locale, { dateStyle: 'full', timeStyle: 'short', timeZone }).format(new Date(params.at));
  return { ...params, date };
}

/**
 * The pages of a self-service flow: GET prefix starts one, GET prefix/:id shows its current step, POST
 * prefix/:id/:step submits a step. Every post, accepted or refused, ends in a redirect to the current step
 * (Post/Redirect/Get), so Back, Reload and a second tab always land where the flow really is and never re-send a form.
 */
export function flowPages<C>(options: FlowPagesOptions<C>): Router {
  const { prefix, runner, views } = options;
  const router = pageRouter(options);

  async function render(ctx: Context, flow: Flow<C>, extra: Record<string, unknown> = {}, status = 200) {
    views.render(
      ctx,
      `${options.viewFolder}/${flow.step}`,
      { flow, action: `${prefix}/${flow.id}/${flow.step}`, error: null, errorParams: {}, echo: {}, ...(await options.locals(ctx, flow)), ...extra },
      { title: `${options.viewFolder}.title`, status, private: true },
    );
  }

  router.get(prefix, async (ctx) => {
    const flow = await runner.start(await options.start(ctx), browserSecret(ctx, options.secureCookies));
    seeOther(ctx, `${prefix}/${flow.id}`);
  });

  router.get(`${prefix}/:id`, async (ctx) => {
    const flow = await runner.load(ctx.params.id, browserOf(ctx));
    await options.language?.(ctx, flow);
    const notice = await runner.takeNotice(flow);
    if (!notice) return render(ctx, flow);
    await render(ctx, flow, { error: notice.message, errorParams: formatParams(notice.params, ctx.state.locale, options.timeZone), echo: notice.echo }, notice.status);
  });

  router.post(`${prefix}/:id/:step`, formBody, options.csrf.verify, async (ctx) => {
    const input = { fields: formFields(ctx), ip: ctx.state.ip, deviceCookie: options.devices?.read(ctx) };
    const result = await runner.submit(ctx.params.id, ctx.params.step, input, browserOf(ctx));
    // Refusals too end in a redirect: the message waits in the flow, so Reload and Back never re-send the form.
    seeOther(ctx, `${prefix}/${result.flow.id}`);
  });

  return router;
}

const INTERACTION_ID = /^[A-Za-z0-9_-]{10,64}$/;

/** The sign-in a self-service flow was started from (`?interaction=<uid>` on the login page's links), if any. */
export function interactionFromQuery(ctx: Context): string | null {
  const values = new QueryValues(ctx.query);
  const uid = values.id('interaction', INTERACTION_ID);
  values.orThrow();
  return uid;
}

/**
 * prefix/:id/continue, after a flow's done page: back to the sign-in it started from, opened on the password step
 * for the flow's username (then on to the app the student was going to), or to the portal when that sign-in expired.
 */
export function continueToSignIn<C extends { interactionUid: string | null; username?: string }>(
  router: Router,
  prefix: string,
  runner: FlowRunner<C>,
  provider: Provider,
  loginFlows: LoginFlows,
): void {
  router.get(`${prefix}/:id/continue`, async (ctx) => {
    const flow = await runner.load(ctx.params.id, browserOf(ctx));
    const uid = flow.step === 'done' ? flow.context.interactionUid : null;
    if (uid && (await provider.Interaction.find(uid))) {
      if (flow.context.username) await loginFlows.chooseUsername(uid, flow.context.username);
      return seeOther(ctx, `/interaction/${uid}`);
    }
    seeOther(ctx, '/');
  });
}

/** What the pages of a flow reached from the sign-in page use. */
export type SignInFlowDeps = Pick<Services, 'config' | 'i18n' | 'loginFlows' | 'homeLanguages'> & PageDeps & { provider: Provider };

export interface SignInFlowPagesOptions<C> extends SignInFlowDeps {
  prefix: string;
  viewFolder: string;
  runner: FlowRunner<C>;
  /** The flow's own locals for a step's page (the password rules and the restart link are added). */
  locals(ctx: Context, flow: Flow<C>): Promise<Record<string, unknown>>;
  /** The student the flow has established (so the page may take their home language), or null while unknown. */
  identified(flow: Flow<C>): string | null;
}

/**
 * The pages of a self-service flow reached from the sign-in page (claim, recovery): it keeps the sign-in it came from,
 * can be restarted from there, and continues to that sign-in when done.
 */
export function signInFlowPages<C extends { interactionUid: string | null; username?: string }>(options: SignInFlowPagesOptions<C>): Router {
  const { prefix, runner, config } = options;
  const router = flowPages<C>({
    prefix,
    viewFolder: options.viewFolder,
    runner,
    views: options.views,
    csrf: options.csrf,
    timeZone: config.district.timeZone,
    secureCookies: config.secureCookies,
    devices: deviceCookie(config),
    async start(ctx) {
      // A new flow knows only the sign-in it came from; the rest of its context comes from its steps.
      return { interactionUid: interactionFromQuery(ctx) } as C;
    },
    async language(ctx, flow) {
      const accountId = options.identified(flow);
      if (accountId) preferHomeLanguage(ctx, options.i18n, await options.homeLanguages.of(accountId));
      // The app that sent the family here may have asked for a language (ui_locales): its sign-in kept it.
      const uid = flow.context.interactionUid;
      const interaction = uid ? await options.provider.Interaction.find(uid) : undefined;
      preferAppLocales(ctx, options.i18n, interaction?.params.ui_locales);
    },
    async locals(ctx, flow) {
      return {
        passwordRules: { min: config.passwords.minLength, max: config.passwords.maxLength },
        restartHref: flow.context.interactionUid ? `${prefix}?interaction=${flow.context.interactionUid}` : prefix,
        ...(await options.locals(ctx, flow)),
      };
    },
  });
  continueToSignIn(router, prefix, runner, options.provider, options.loginFlows);
  return router;
}
