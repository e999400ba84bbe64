/** An authenticator app or a passkey as its owner and the help desk see it: never its secret. */
export interface FactorListing {
  id: string;
  kind: 'totp' | 'passkey';
  name: string;
  createdAt: number;
  lastUsedAt: number | null;
}

export interface StoredTotp {
  id: string;
  secretSealed: string;
  lastStep: number | null;
}

/** A passkey or security key (WebAuthn credential): its id and public key, nothing secret. */
export interface StoredPasskey {
  id: string;
  accountId: string;
  /** base64url */
  credentialId: string;
  /** The COSE public key, base64url. */
  publicKey: string;
  signCount: number;
  transports: string[];
}

export interface NewPasskey {
  id: string;
  name: string;
  credentialId: string;
  publicKey: string;
  signCount: number;
  transports: string[];
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
  passkeys(accountId: string): Promise<StoredPasskey[]>;
  /** The passkey with this credential id, whoever it belongs to (a username-less sign-in), or null. */
  passkeyByCredential(credentialId: string): Promise<StoredPasskey | null>;
  /** As addTotp, for a passkey. */
  addPasskey(accountId: string, factor: NewPasskey, codeDigests: string[] | null, now: number): Promise<void>;
  /** Records a passkey's use and its new signature counter. */
  usePasskey(factorId: string, signCount: number, now: number): Promise<void>;
  /**
   * When the account's grace period to set up a second factor started: `now` on its first call (stored), the stored
   * time after that.
   */
  graceFrom(accountId: string, now: number): Promise<number>;
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
