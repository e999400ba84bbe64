import type { Account } from '../../src/accounts/account.js';
import type { Services } from '../../src/services.js';

/** Three challenge answers as a family chooses them at claim time. */
export const CHALLENGE_ANSWERS = [
  { questionId: 'firstPet', answer: 'Fluffy' },
  { questionId: 'favoriteFood', answer: 'Poutine' },
  { questionId: 'birthCity', answer: 'Montréal' },
];

/** The claim's questions step filled in with these answers (question1 … answer3). */
export function questionsForm(answers = CHALLENGE_ANSWERS): Record<string, string> {
  return Object.fromEntries(
    answers.flatMap((a, i) => [
      [`question${i + 1}`, a.questionId],
      [`answer${i + 1}`, a.answer],
    ]),
  );
}

/** Claims an account directly in the store: the password and the answers, as the claim's last step writes them. */
export async function claimInStore(services: Services, account: Account, password: string, answers = CHALLENGE_ANSWERS): Promise<boolean> {
  return services.claims.completeClaim(account.id, await services.hasher.hash(password), await services.claimService.hashAnswers(answers));
}
