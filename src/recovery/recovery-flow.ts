import { QUESTIONS_PER_ACCOUNT } from '../accounts/challenge-questions.js';
import type { FlowDefinition, StepDefinition } from '../flows/engine.js';
import { setPasswordStep, type SetPasswordDeps } from '../flows/steps/set-password.js';
import { AppError, tooManyRequests } from '../shared/errors.js';
import type { RecoveryService } from './recovery-service.js';

export interface RecoveryContext {
  interactionUid: string | null;
  username?: string;
  questionIds?: string[];
  /** Set only for a username that can recover; the pages never reveal whether it is. */
  accountId?: string | null;
  /** Set once all three answers were right. */
  verified?: boolean;
}

/** username → answers → password → done, as the letter lists them. */
export function recoveryFlow(service: RecoveryService, deps: SetPasswordDeps, ttl: number): FlowDefinition<RecoveryContext> {
  const username: StepDefinition<RecoveryContext> = {
    id: 'username',
    async accept(flow, input) {
      const typed = (input.fields.username ?? '').trim().slice(0, 100);
      if (!typed) return { reject: 'login.errors.usernameRequired', status: 400 };
      const challenge = await service.challenge(typed, input.ip);
      return { next: 'answers', context: { ...flow.context, username: typed, questionIds: challenge.questionIds, accountId: challenge.accountId } };
    },
  };

  const answers: StepDefinition<RecoveryContext> = {
    id: 'answers',
    async accept(flow, input) {
      const { username: name, accountId = null } = flow.context;
      if (!name) return { reject: 'flows.expired', status: 410 };
      const given = Array.from({ length: QUESTIONS_PER_ACCOUNT }, (_, i) => (input.fields[`answer${i + 1}`] ?? '').slice(0, 200));
      const result = await service.checkAnswers(name, accountId, given, input.ip, input.deviceCookie);
      switch (result.outcome) {
        case 'locked':
          throw new AppError(429, 'RECOVERY_LOCKED', 'recovery.errors.locked', { retryAfter: result.retryAfter });
        case 'throttled':
          throw tooManyRequests(result.retryAfter);
        case 'wrong':
          return { reject: 'recovery.errors.wrongAnswers', status: 400 };
        case 'correct':
          return { next: 'password', context: { ...flow.context, verified: true } };
      }
    },
  };

  const password = setPasswordStep<RecoveryContext>('password', deps, async (flow, account, passwordHash, input) => {
    if (!flow.context.verified || flow.context.accountId !== account.id) return { reject: 'flows.expired', status: 410 };
    await service.resetPassword(account, passwordHash, input.ip);
    return { next: 'done', context: { interactionUid: flow.context.interactionUid, username: account.username } };
  });

  return { kind: 'recovery', ttl, firstStep: 'username', steps: [username, answers, password] };
}
