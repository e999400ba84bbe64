import { usernameKey, type Account } from '../accounts/account.js';
import { QUESTIONS_PER_ACCOUNT } from '../accounts/challenge-questions.js';
import { exactName, foldAnswer, foldName, foldStudentId } from '../accounts/normalize.js';
import type { PasswordHasher } from '../accounts/passwords.js';
import type { EventBus } from '../events/bus.js';
import { accountCounters, throttleKeys } from '../throttle/keys.js';
import type { Throttle, ThrottleRule } from '../throttle/throttle.js';
import type { ChallengeAnswer, ClaimStore } from './ports.js';

export interface ClaimSettings {
  nameMatch: 'normalized' | 'exact';
  perAddress: ThrottleRule;
  perStudent: ThrottleRule;
  /** Ids of the questions families may choose from. */
  questionIds: string[];
}

export interface IdentityFacts {
  familyName: string;
  givenName: string;
  studentId: string;
}

export type IdentifyOutcome =
  | { outcome: 'matched'; account: Account }
  | { outcome: 'failed' }
  | { outcome: 'throttled'; retryAfter: number }
  | { outcome: 'tooEarly'; claimableAt: number }
  | { outcome: 'alreadyClaimed'; username: string };

export type AnswersProblem = 'questionsNotThree' | 'questionsRepeated' | 'questionUnknown' | 'answerTooShort' | 'answersRepeated' | 'answerIsUsername';

export const MIN_ANSWER_LENGTH = 3;

/**
 * The letter's "Claim my Account": a family proves who the student is with the three facts the SIS holds, then
 * chooses the password and the challenge answers. Any mismatch gives the same "The Claim Account Operation Failed.";
 * only once all three facts match does the answer say more (too early, already claimed).
 */
export class ClaimService {
  constructor(
    private readonly store: ClaimStore,
    private readonly hasher: PasswordHasher,
    private readonly throttle: Throttle,
    private readonly settings: () => ClaimSettings,
    private readonly events: EventBus,
  ) {}

  async identify(facts: IdentityFacts, ip: string, now = Date.now()): Promise<IdentifyOutcome> {
    const settings = this.settings();
    const foldedId = foldStudentId(facts.studentId);
    const studentKey = throttleKeys.claimStudent(foldedId);
    const addressKey = throttleKeys.claimAddress(ip);
    const [studentWait, addressWait] = await Promise.all([
      this.throttle.attempt(studentKey, settings.perStudent, now),
      this.throttle.attempt(addressKey, settings.perAddress, now),
    ]);
    const retryAfter = Math.max(studentWait, addressWait);
    if (retryAfter > 0) {
      await this.events.emit({ type: 'claim.throttled', ip, data: { studentId: foldedId, scope: studentWait ? 'student' : 'address' } });
      return { outcome: 'throttled', retryAfter };
    }

    const same = settings.nameMatch === 'exact' ? (a: string, b: string) => exactName(a) === exactName(b) : (a: string, b: string) => foldName(a) === foldName(b);
    const candidates = await this.store.findByFoldedStudentId(foldedId);
    const match = candidates.find((c) => same(c.familyName, facts.familyName) && same(c.givenName, facts.givenName));
    if (!match || match.status !== 'active') {
      // Counted above, and stays counted; the help desk sees a family struggling in the audit log.
      await this.events.emit({
        type: 'claim.failed',
        subjectId: match?.id ?? null,
        ip,
        data: { studentId: foldedId, reason: !candidates.length ? 'unknown_id' : !match ? 'names_mismatch' : 'disabled' },
      });
      return { outcome: 'failed' };
    }

    await Promise.all([this.throttle.reset(studentKey), this.throttle.release(addressKey)]);
    if (match.passwordHash) {
      await this.events.emit({ type: 'claim.already_claimed', subjectId: match.id, ip });
      return { outcome: 'alreadyClaimed', username: match.username };
    }
    if (match.claimableAt !== null && match.claimableAt > now) {
      await this.events.emit({ type: 'claim.too_early', subjectId: match.id, ip, data: { claimableAt: match.claimableAt } });
      return { outcome: 'tooEarly', claimableAt: match.claimableAt };
    }
    await this.events.emit({ type: 'claim.identified', subjectId: match.id, ip });
    return { outcome: 'matched', account: match };
  }

  /** Checks the three chosen questions and answers; null when they are acceptable. */
  checkAnswers(choices: { questionId: string; answer: string }[], username: string): AnswersProblem | null {
    const { questionIds } = this.settings();
    if (choices.length !== QUESTIONS_PER_ACCOUNT || choices.some((c) => !c.questionId)) return 'questionsNotThree';
    if (choices.some((c) => !questionIds.includes(c.questionId))) return 'questionUnknown';
    if (new Set(choices.map((c) => c.questionId)).size !== choices.length) return 'questionsRepeated';
    const folded = choices.map((c) => foldAnswer(c.answer));
    if (folded.some((a) => [...a].length < MIN_ANSWER_LENGTH)) return 'answerTooShort';
    if (new Set(folded).size !== folded.length) return 'answersRepeated';
    if (folded.includes(foldAnswer(username))) return 'answerIsUsername';
    return null;
  }

  /** Only hashes of the folded answers are kept, so "Fluffy " and "fluffy" match later. */
  async hashAnswers(choices: { questionId: string; answer: string }[]): Promise<ChallengeAnswer[]> {
    return Promise.all(choices.map(async (c) => ({ questionId: c.questionId, answerHash: await this.hasher.hash(foldAnswer(c.answer)) })));
  }

  /**
   * Claims the account. Sign-in and recovery attempts counted against it before (an unclaimed account can be neither
   * signed in to nor recovered, so they were someone else's, or the family's before it existed) end with the claim:
   * the family that just proved who the student is starts with no lock. A young student's claim sets the picture
   * sequence (`pictureHash`) instead of challenge answers.
   */
  async complete(account: Pick<Account, 'id' | 'username'>, passwordHash: string, answers: ChallengeAnswer[], ip: string, pictureHash?: string): Promise<boolean> {
    const done = await this.store.completeClaim(account.id, passwordHash, answers, accountCounters(usernameKey(account.username)), pictureHash);
    await this.events.emit({ type: done ? 'account.claimed' : 'claim.lost_race', actorId: account.id, subjectId: account.id, ip });
    if (done && pictureHash) await this.events.emit({ type: 'pictures.set', actorId: account.id, subjectId: account.id, ip, data: { by: 'claim' } });
    return done;
  }
}
