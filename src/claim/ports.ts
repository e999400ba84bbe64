import type { Account } from '../accounts/account.js';

export interface ChallengeAnswer {
  questionId: string;
  answerHash: string;
}

/** What claiming (and recovery) need from storage. */
export interface ClaimStore {
  /** Accounts whose student ID, without leading zeros and case-folded, is `foldedId`. */
  findByFoldedStudentId(foldedId: string): Promise<Account[]>;
  /**
   * Sets the first password, the challenge answers and claimed_at, and deletes the throttle counters `clearCounters`,
   * in one transaction, only while the account is still active and unclaimed. Returns false when it was claimed
   * meanwhile (another tab won) or disabled. `pictureHash`: the picture sequence, set in the same transaction.
   */
  completeClaim(accountId: string, passwordHash: string, answers: ChallengeAnswer[], clearCounters?: string[], pictureHash?: string): Promise<boolean>;
  answers(accountId: string): Promise<ChallengeAnswer[]>;
  /** Every question id some account has chosen. */
  questionIdsInUse(): Promise<string[]>;
}
