/** An authenticator app as its owner and the help desk see it: never its secret. */
export interface FactorListing {
  id: string;
  kind: 'totp';
  name: string;
  createdAt: number;
  lastUsedAt: number | null;
}

export interface StoredTotp {
  id: string;
  secretSealed: string;
  lastStep: number | null;
}

/** Storage of second factors, implemented in src/store/mfa-repo.ts. */
export interface MfaStore {
  list(accountId: string): Promise<FactorListing[]>;
  totps(accountId: string): Promise<StoredTotp[]>;
  /**
   * Adds an authenticator app and marks the account as having a second factor, in one transaction; `codeDigests`,
   * when given, replace the account's recovery codes in the same transaction.
   */
  addTotp(accountId: string, factor: { id: string; name: string; secretSealed: string; lastStep: number }, codeDigests: string[] | null, now: number): Promise<void>;
  /** Records the step used if it is later than the last one stored (two tabs with one code: one wins). */
  useTotpStep(factorId: string, step: number, now: number): Promise<boolean>;
  /** Marks an unused recovery code used; false when there is none such (wrong, or used already). */
  useRecoveryCode(accountId: string, digest: string, now: number): Promise<boolean>;
  unusedRecoveryCodes(accountId: string): Promise<number>;
  replaceRecoveryCodes(accountId: string, codeDigests: string[], now: number): Promise<void>;
  rename(accountId: string, factorId: string, name: string): Promise<boolean>;
  /** Removes one factor; with the last one go the recovery codes and the account's flag. False when not found. */
  remove(accountId: string, factorId: string): Promise<boolean>;
  /** Removes every factor and recovery code of the account (a help-desk reset); returns how many factors went. */
  removeAll(accountId: string): Promise<number>;
}
