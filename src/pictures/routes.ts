import type Router from '@koa/router';
import { displayName } from '../accounts/account.js';
import { pageRouter } from '../http/page-router.js';
import type { SignedInAs } from '../http/signed-in.js';
import type { Context } from 'koa';
import type { Interaction, InteractionResults } from 'oidc-provider';
import type { Account } from '../accounts/account.js';
import type { DeviceCookie } from '../http/device-cookie.js';
import { formBody, formField } from '../http/middleware/body.js';
import { seeOther } from '../http/redirect.js';
import { asksForMultiFactor, pictureSignIn, type AuthnContext } from '../mfa/authn-context.js';
import { picksOf, picture, roundsToChoose, ROUNDS, shuffledRound, validSequence } from './catalog.js';
import { tooManyRequests } from '../shared/errors.js';
import { picturesIn, type LoginFlow, type LoginFlows } from '../interactions/login-flow.js';
import type { PageDeps } from '../http/page-router.js';
import type { Services } from '../services.js';

/** What the sign-in's picture steps use: the interaction's services, and its helpers from src/interactions/routes.ts. */
export interface PictureStepHelpers {
  deps: Pick<Services, 'sealer' | 'pictures' | 'secondFactors'> & PageDeps & { loginFlows: LoginFlows };
  devices: DeviceCookie;
  details(ctx: Context): Promise<Interaction>;
  appNameOf(params: Record<string, unknown>): Promise<string | null>;
  finish(ctx: Context, interaction: Interaction, result: InteractionResults, options: { mergeWithLastSubmission: boolean }): Promise<void>;
  signedIn(ctx: Context, interaction: Interaction, account: Account, how: AuthnContext, deviceCookie: string | null): Promise<void>;
}

/** A pick that was not one of the round's pictures (a forged form): it fails the sequence like a wrong one. */
const NOT_SHOWN = '-';

/**
 * "Use my pictures": three rounds of nine pictures, one pick each, as one step of the sign-in. The rounds' state (the
 * order shown, the picks so far, sealed) lives in the login flow's record, never in the page; the verdict comes only
 * after the third pick, so a wrong first pick is not revealed. Any username can go through the rounds: the answer to
 * one without pictures is the same "Authentication Failed", after the same work.
 */
export function pictureSteps(router: Router, helpers: PictureStepHelpers) {
  const { deps, details } = helpers;
  const { loginFlows, views, csrf, sealer } = deps;

  /** Renders the current round when the flow is on the pictures step; false otherwise. */
  async function render(ctx: Context, interaction: Interaction, flow: LoginFlow, error?: string, status = 200): Promise<boolean> {
    const state = picturesIn(flow);
    if (!state) return false;
    const { username, round, order } = state.context;
    views.render(
      ctx,
      'login/pictures',
      { uid: interaction.uid, username, round, rounds: ROUNDS, pictures: order.map(picture), error, appName: await helpers.appNameOf(interaction.params) },
      { title: 'login.title', status, private: true },
    );
    return true;
  }

  const back = (ctx: Context, uid: string) => seeOther(ctx, `/interaction/${uid}`);

  router.post('/pictures/start', formBody, csrf.verify, async (ctx) => {
    const interaction = await details(ctx);
    const username = await loginFlows.username(interaction.uid);
    if (username) await loginFlows.toPictures(interaction.uid, { username, round: 0, order: shuffledRound(0) });
    back(ctx, interaction.uid);
  });

  router.post('/pictures/password', formBody, csrf.verify, async (ctx) => {
    const interaction = await details(ctx);
    const state = await loginFlows.pictures(interaction.uid);
    if (state) await loginFlows.chooseUsername(interaction.uid, state.context.username);
    back(ctx, interaction.uid);
  });

  router.post('/pictures', formBody, csrf.verify, async (ctx) => {
    const interaction = await details(ctx);
    const state = await loginFlows.pictures(interaction.uid);
    // A form of a round already answered (Back, Reload, a second tab): show the round the flow is on.
    if (!state || formField(ctx, 'round') !== String(state.context.round)) return back(ctx, interaction.uid);
    const { username, round, order, picksSealed } = state.context;
    const chosen = formField(ctx, 'picture');
    const picks = [...(picksSealed ? (JSON.parse(sealer.open(picksSealed)) as string[]) : []), order.includes(chosen) ? chosen : NOT_SHOWN];

    if (round + 1 < ROUNDS) {
      const next = { username, round: round + 1, order: shuffledRound(round + 1), picksSealed: sealer.seal(JSON.stringify(picks)) };
      await loginFlows.toPictures(interaction.uid, next, state.version);
      return back(ctx, interaction.uid);
    }

    // The rounds start again before the verdict, so neither a reload nor a second tab can submit this sequence twice.
    if (!(await loginFlows.toPictures(interaction.uid, { username, round: 0, order: shuffledRound(0) }, state.version))) return back(ctx, interaction.uid);
    const outcome = await deps.pictures.signIn(username, picks, ctx.state.ip, helpers.devices.read(ctx));
    if (!outcome.ok) {
      if (outcome.reason === 'throttled') throw tooManyRequests(outcome.retryAfter);
      await render(ctx, interaction, await loginFlows.load(interaction.uid), 'login.errors.failed', 401);
      return;
    }
    await loginFlows.restart(interaction.uid);
    if (deps.secondFactors.needed(outcome.account) || asksForMultiFactor(interaction.params.acr_values)) {
      // Pictures are one factor: an account or an app that wants two signs in with its password and a code.
      const result = { error: 'unmet_authentication_requirements', error_description: 'this sign-in needs a password and a second factor' };
      return helpers.finish(ctx, interaction, result, { mergeWithLastSubmission: false });
    }
    await helpers.signedIn(ctx, interaction, outcome.account, pictureSignIn(), outcome.deviceCookie);
  });

  return { render };
}

export type PictureRoutesDeps = Pick<Services, 'pictures'> & PageDeps & { signedIn: SignedInAs };

/**
 * A teacher's "Set pictures" for a student of their class in a picture grade (from My students). The page never shows
 * a sequence: the one stored cannot be read, and the one just chosen is not repeated.
 */
export function pictureRoutes(deps: PictureRoutesDeps): Router {
  const { views, csrf } = deps;
  const teacher = deps.signedIn(['teacher']);
  const router = pageRouter(deps);
  const me = (ctx: Context) => ctx.state.account as Account;

  async function page(ctx: Context, student: Account, extra: { error?: string; saved?: boolean }, status = 200) {
    views.render(
      ctx,
      'staff/pictures',
      { student, name: displayName(student), claimed: student.passwordHash !== null, rounds: roundsToChoose(), error: extra.error ?? null, saved: extra.saved ?? false },
      { title: 'staff.pictures.title', status, private: true },
    );
  }

  router.get('/staff/students/:id/pictures', teacher, async (ctx) => {
    const student = await deps.pictures.pupilOf(me(ctx), ctx.params.id);
    await page(ctx, student, { saved: ctx.query.saved === '1' });
  });

  router.post('/staff/students/:id/pictures', formBody, csrf.verify, teacher, async (ctx) => {
    const picks = picksOf((name) => formField(ctx, name));
    if (!validSequence(picks)) {
      const student = await deps.pictures.pupilOf(me(ctx), ctx.params.id);
      return page(ctx, student, { error: 'pictures.errors.incomplete' }, 400);
    }
    const student = await deps.pictures.setByTeacher(me(ctx), ctx.params.id, picks, ctx.state.ip);
    seeOther(ctx, `/staff/students/${encodeURIComponent(student.id)}/pictures?saved=1`);
  });

  return router;
}
