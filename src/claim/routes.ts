import type Router from '@koa/router';
import { questionPool } from '../accounts/challenge-questions.js';
import { signInFlowPages, type SignInFlowDeps } from '../http/flow-pages.js';
import type { Services } from '../services.js';
import type { ClaimContext } from './claim-flow.js';
import { MIN_ANSWER_LENGTH } from './claim-service.js';
import { roundsToChoose } from '../pictures/catalog.js';

export type ClaimDeps = SignInFlowDeps & Pick<Services, 'claimFlows'>;

/** "Claim my Account": /claim starts a flow (keeping the sign-in it came from), /claim/:id shows its step. */
export function claimRoutes(deps: ClaimDeps): Router {
  const { config, i18n } = deps;
  return signInFlowPages<ClaimContext>({
    ...deps,
    prefix: '/claim',
    viewFolder: 'claim',
    runner: deps.claimFlows,
    identified: (flow) => flow.context.accountId ?? null,
    async locals(ctx, flow) {
      return {
        questions: questionPool(config.claim.questions, ctx.state.locale, i18n),
        minAnswer: MIN_ANSWER_LENGTH,
        username: flow.context.username ?? null,
        givenName: flow.context.givenName ?? null,
        pictureRounds: roundsToChoose(),
      };
    },
  });
}
