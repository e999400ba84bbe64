import type Router from '@koa/router';
import { questionPool } from '../accounts/challenge-questions.js';
import { signInFlowPages, type SignInFlowDeps } from '../http/flow-pages.js';
import type { WebServices } from '../services.js';
import type { RecoveryContext } from './recovery-flow.js';

export type RecoveryDeps = SignInFlowDeps & Pick<WebServices, 'recoveryFlows'>;

/** "Forgot my Password": /recover starts a flow (keeping the sign-in it came from), /recover/:id shows its step. */
export function recoveryRoutes(deps: RecoveryDeps): Router {
  const { config, i18n } = deps;
  return signInFlowPages<RecoveryContext>({
    ...deps,
    prefix: '/recover',
    viewFolder: 'recovery',
    runner: deps.recoveryFlows,
    // Only once the answers are right: a page turning to the student's language after the username step would tell a
    // stranger that the username exists.
    identified: (flow) => (flow.context.verified ? (flow.context.accountId ?? null) : null),
    async locals(ctx, flow) {
      const pool = questionPool(config.claim.questions, ctx.state.locale, i18n);
      const text = (id: string) => pool.find((q) => q.id === id)?.text ?? i18n.t(ctx.state.locale, `questions.${id}`, { defaultValue: '' });
      return {
        questions: (flow.context.questionIds ?? []).map((id, i) => ({ n: i + 1, text: text(id) || i18n.t(ctx.state.locale, 'recovery.answers.fallbackQuestion', { n: i + 1 }) })),
        username: flow.context.username ?? null,
      };
    },
  });
}
