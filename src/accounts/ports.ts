import type { Account, NewAccount, Role } from './account.js';

/** What the accounts domain needs from storage. */
export interface AccountStore {
  findByUsername(username: string): Promise<Account | null>;
  findById(id: string): Promise<Account | null>;
  /** Creates the account, its roles, schools and (when given) the first password-history entry, in one transaction. */
  create(input: NewAccount): Promise<Account>;
  /** Sets a new password and appends it to the history, in one transaction. */
  setPassword(id: string, hash: string): Promise<void>;
  /** Replaces the stored hash of the same password (an algorithm upgrade); the history keeps the new form too. */
  upgradeHash(id: string, oldHash: string, newHash: string): Promise<void>;
  recordLogin(id: string, at: number): Promise<void>;
  grantRole(id: string, role: Role): Promise<void>;
  passwordHistory(id: string): Promise<string[]>;
  count(): Promise<number>;
  list(options?: { limit?: number }): Promise<Account[]>;
}
