import Router from '@koa/router';
import type { Middleware } from 'koa';
import type Provider from 'oidc-provider';
import { questionPool } from '../accounts/challenge-questions.js';
import { MIN_ANSWER_LENGTH } from './claim-service.js';
import { FlowRunner } from '../flows/engine.js';
import { signInFlowPages } from '../http/flow-pages.js';
import type { Views } from '../http/views.js';
import type { Services } from '../services.js';
import { claimFlow, type ClaimContext } from './claim-flow.js';

/** "Claim my Account": /claim starts a flow (keeping the sign-in it came from), /claim/:id shows its step. */
export function claimRoutes(provider: Provider, services: Services, views: Views, verifyCsrf: Middleware): Router {
  const { config } = services;
  const runner = new FlowRunner<ClaimContext>(
    claimFlow(services.claimService, { accounts: services.accounts, policy: services.passwordPolicy, hasher: services.hasher }, config.claim.flowTtl),
    services.flows,
  );

  return signInFlowPages<ClaimContext>({
    prefix: '/claim',
    viewFolder: 'claim',
    runner,
    provider,
    services,
    views,
    verifyCsrf,
    async locals(ctx, flow) {
      return {
        questions: questionPool(config.claim.questions, ctx.state.locale, services.i18n),
        minAnswer: MIN_ANSWER_LENGTH,
        username: flow.context.username ?? null,
        givenName: flow.context.givenName ?? null,
      };
    },
  });
}
