import Router from '@koa/router';
import type { Middleware } from 'koa';
import type Provider from 'oidc-provider';
import { questionIds, questionPool } from '../accounts/challenge-questions.js';
import { FlowRunner } from '../flows/engine.js';
import { signInFlowPages } from '../http/flow-pages.js';
import type { Views } from '../http/views.js';
import { createSessionRevoker } from '../oidc/session-revoker.js';
import type { Services } from '../services.js';
import { recoveryFlow, type RecoveryContext } from './recovery-flow.js';
import { RecoveryService } from './recovery-service.js';

/** "Forgot my Password": /recover starts a flow (keeping the sign-in it came from), /recover/:id shows its step. */
export function recoveryRoutes(provider: Provider, services: Services, views: Views, verifyCsrf: Middleware): Router {
  const { config } = services;
  const service = new RecoveryService(
    services.accounts,
    services.claims,
    services.hasher,
    services.throttle,
    createSessionRevoker(provider, services),
    () => ({ ...config.recovery, questionIds: questionIds(config.claim.questions) }),
    services.events,
    services.serverSecret,
  );
  const runner = new FlowRunner<RecoveryContext>(
    recoveryFlow(service, { accounts: services.accounts, policy: services.passwordPolicy, hasher: services.hasher }, config.claim.flowTtl),
    services.flows,
  );

  return signInFlowPages<RecoveryContext>({
    prefix: '/recover',
    viewFolder: 'recovery',
    runner,
    provider,
    services,
    views,
    verifyCsrf,
    async locals(ctx, flow) {
      const pool = questionPool(config.claim.questions, ctx.state.locale, services.i18n);
      const text = (id: string) => pool.find((q) => q.id === id)?.text ?? services.i18n.t(ctx.state.locale, `questions.${id}`, { defaultValue: '' });
      return {
        questions: (flow.context.questionIds ?? []).map((id, i) => ({ n: i + 1, text: text(id) || services.i18n.t(ctx.state.locale, 'recovery.answers.fallbackQuestion', { n: i + 1 }) })),
        username: flow.context.username ?? null,
      };
    },
  });
}
