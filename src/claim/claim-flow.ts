import type { Account } from '../accounts/account.js';
import type { AccountStore } from '../accounts/ports.js';
import { picksOf, validSequence } from '../pictures/catalog.js';
import { QUESTIONS_PER_ACCOUNT } from '../accounts/challenge-questions.js';
import type { FlowDefinition, StepDefinition } from '../flows/engine.js';
import { setPasswordStep, type SetPasswordDeps } from '../flows/steps/set-password.js';
import { tooManyRequests } from '../shared/errors.js';
import type { ClaimService } from './claim-service.js';

export interface ClaimContext {
  /** The sign-in the family came from, so the student continues to the app they were going to. */
  interactionUid: string | null;
  accountId?: string;
  username?: string;
  givenName?: string;
  /** The chosen password, hashed: nothing about the account changes before the last step. */
  passwordHash?: string;
  /** Set when the claim chose pictures instead of challenge answers (the done page says what to keep private). */
  pictures?: boolean;
}

/** Picture passwords, for a student whose grade signs in with pictures: the claim sets them instead of questions. */
export interface ClaimPictures {
  forGrade(account: Pick<Account, 'grade'>): boolean;
  hash(sequence: readonly string[]): Promise<string>;
}

const MAX_FIELD = 200;

function field(fields: Record<string, string>, name: string): string {
  return (fields[name] ?? '').slice(0, MAX_FIELD);
}

/** identify → password → questions → done, as the letter lists them. */
export function claimFlow(service: ClaimService, deps: SetPasswordDeps & { accounts: AccountStore; pictures?: ClaimPictures }, ttl: number): FlowDefinition<ClaimContext> {
  const identify: StepDefinition<ClaimContext> = {
    id: 'identify',
    async accept(flow, input) {
      const facts = { familyName: field(input.fields, 'familyName'), givenName: field(input.fields, 'givenName'), studentId: field(input.fields, 'studentId') };
      const echo = { familyName: facts.familyName, givenName: facts.givenName, studentId: facts.studentId };
      if (!facts.familyName.trim() || !facts.givenName.trim() || !facts.studentId.trim()) {
        return { reject: 'claim.errors.missingFacts', status: 400, echo };
      }
      const result = await service.identify(facts, input.ip);
      switch (result.outcome) {
        case 'throttled':
          throw tooManyRequests(result.retryAfter);
        case 'failed':
          return { reject: 'claim.errors.failed', status: 400, echo };
        case 'tooEarly':
          return { reject: 'claim.errors.tooEarly', params: { at: result.claimableAt }, status: 409, echo };
        case 'alreadyClaimed':
          return { reject: 'claim.errors.alreadyClaimed', params: { username: result.username }, status: 409, echo };
        case 'matched':
          return {
            next: 'password',
            context: { ...flow.context, accountId: result.account.id, username: result.account.username, givenName: result.account.givenName },
          };
      }
    },
  };

  const password = setPasswordStep<ClaimContext>('password', deps, async (flow, account, passwordHash) => ({
    next: deps.pictures?.forGrade(account) ? 'pictures' : 'questions',
    context: { ...flow.context, passwordHash },
  }));

  const questions: StepDefinition<ClaimContext> = {
    id: 'questions',
    async accept(flow, input) {
      const choices = Array.from({ length: QUESTIONS_PER_ACCOUNT }, (_, i) => ({
        questionId: field(input.fields, `question${i + 1}`),
        answer: field(input.fields, `answer${i + 1}`),
      }));
      const echo = Object.fromEntries(choices.map((c, i) => [`question${i + 1}`, c.questionId]));
      const { accountId, username, passwordHash } = flow.context;
      if (!accountId || !username || !passwordHash) return { reject: 'flows.expired', status: 410 };
      const problem = service.checkAnswers(choices, username);
      if (problem) return { reject: `claim.answers.${problem}`, params: { min: 3 }, status: 400, echo };
      const done = await service.complete({ id: accountId, username }, passwordHash, await service.hashAnswers(choices), input.ip);
      if (!done) return { reject: 'claim.errors.alreadyClaimed', params: { username }, status: 409 };
      const { passwordHash: _spent, ...rest } = flow.context;
      return { next: 'done', context: rest };
    },
  };

  // A young student's last step: the three pictures they will sign in with, chosen with the family.
  const pictures: StepDefinition<ClaimContext> = {
    id: 'pictures',
    async accept(flow, input) {
      const { accountId, username, passwordHash } = flow.context;
      if (!accountId || !username || !passwordHash || !deps.pictures) return { reject: 'flows.expired', status: 410 };
      const sequence = validSequence(picksOf((name) => field(input.fields, name)));
      if (!sequence) return { reject: 'pictures.errors.incomplete', status: 400 };
      const done = await service.complete({ id: accountId, username }, passwordHash, [], input.ip, await deps.pictures.hash(sequence));
      if (!done) return { reject: 'claim.errors.alreadyClaimed', params: { username }, status: 409 };
      const { passwordHash: _spent, ...rest } = flow.context;
      return { next: 'done', context: { ...rest, pictures: true } };
    },
  };

  return { kind: 'claim', ttl, firstStep: 'identify', steps: [identify, password, questions, pictures] };
}
