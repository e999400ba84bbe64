import Router from '@koa/router';
import type { Middleware } from 'koa';
import type Provider from 'oidc-provider';
import { questionPool } from '../accounts/challenge-questions.js';
import { MIN_ANSWER_LENGTH } from './claim-service.js';
import { FlowRunner } from '../flows/engine.js';
import { flowPages } from '../http/flow-pages.js';
import { seeOther } from '../http/redirect.js';
import { LoginFlows } from '../interactions/login-flow.js';
import type { Views } from '../http/views.js';
import type { Services } from '../services.js';
import { claimFlow, type ClaimContext } from './claim-flow.js';

const INTERACTION_ID = /^[A-Za-z0-9_-]{10,64}$/;

/** "Claim my Account": /claim starts a flow (keeping the sign-in it came from), /claim/:id shows its step. */
export function claimRoutes(provider: Provider, services: Services, views: Views, verifyCsrf: Middleware): Router {
  const { config } = services;
  const runner = new FlowRunner<ClaimContext>(
    claimFlow(services.claimService, { accounts: services.accounts, policy: services.passwordPolicy, hasher: services.hasher }, config.claim.flowTtl),
    services.flows,
  );

  const router = flowPages<ClaimContext>({
    prefix: '/claim',
    viewFolder: 'claim',
    runner,
    views,
    verifyCsrf,
    timeZone: config.district.timeZone,
    async start(ctx) {
      const uid = typeof ctx.query.interaction === 'string' && INTERACTION_ID.test(ctx.query.interaction) ? ctx.query.interaction : null;
      return { interactionUid: uid };
    },
    async locals(ctx, flow) {
      return {
        questions: questionPool(config.claim.questions, ctx.state.locale, services.i18n),
        passwordRules: { min: config.passwords.minLength, max: config.passwords.maxLength },
        minAnswer: MIN_ANSWER_LENGTH,
        username: flow.context.username ?? null,
        givenName: flow.context.givenName ?? null,
        restartHref: flow.context.interactionUid ? `/claim?interaction=${flow.context.interactionUid}` : '/claim',
      };
    },
  });

  /** After "done": back to the sign-in the family started from (then on to the app), or to the portal. */
  router.get('/claim/:id/continue', async (ctx) => {
    const flow = await runner.load(ctx.params.id);
    const uid = flow.step === 'done' ? flow.context.interactionUid : null;
    if (uid && (await provider.Interaction.find(uid))) {
      // The sign-in page opens on the password step, for the username just claimed.
      if (flow.context.username) await new LoginFlows(services.flows, config.session.interactionTtl).chooseUsername(uid, flow.context.username);
      return seeOther(ctx, `/interaction/${uid}`);
    }
    seeOther(ctx, '/');
  });

  return router;
}
