import type { Account } from '../../accounts/account.js';
import type { PasswordPolicy } from '../../accounts/password-policy.js';
import type { PasswordHasher } from '../../accounts/passwords.js';
import type { AccountStore } from '../../accounts/ports.js';
import type { Flow } from '../flow.js';
import type { StepDefinition, StepInput, StepOutcome } from '../engine.js';

export interface SetPasswordDeps {
  accounts: AccountStore;
  policy: PasswordPolicy;
  hasher: PasswordHasher;
}

/**
 * "Create a password, re-enter it": shared by claim and recovery. The policy explains which rule a password broke;
 * what happens with an accepted one (keep it for the last step, or write it now) is the flow's business.
 */
export function setPasswordStep<C extends { accountId?: string | null }>(
  id: string,
  deps: SetPasswordDeps,
  accepted: (flow: Flow<C>, account: Account, passwordHash: string, input: StepInput) => Promise<StepOutcome<C>>,
): StepDefinition<C> {
  return {
    id,
    async accept(flow, input) {
      const account = flow.context.accountId ? await deps.accounts.findById(flow.context.accountId) : null;
      if (!account) return { reject: 'flows.expired', status: 410 };
      const password = input.fields.password ?? '';
      const history = await deps.accounts.passwordHistory(account.id);
      const problem = await deps.policy.check(password, input.fields.confirm ?? '', account, history);
      if (problem) return { reject: `passwords.problems.${problem.problem}`, params: problem.params, status: 400 };
      return accepted(flow, account, await deps.hasher.hash(password), input);
    },
  };
}
