/** A student's badge as stored (the secret only sealed, for reprinting). */
export interface BadgeRecord {
  id: string;
  accountId: string;
  secretSealed: string;
  createdAt: number;
  voidedAt: number | null;
  lastUsedAt: number | null;
}

/** What badges need from storage. */
export interface BadgeStore {
  /** The badge whose secret has this digest, voided or not. */
  byDigest(digest: string): Promise<BadgeRecord | null>;
  /** The accounts' badges that are not voided. */
  activeFor(accountIds: string[]): Promise<Map<string, BadgeRecord>>;
  /**
   * Voids the account's badge (if any) and, when `next` is given, stores it as the account's badge, in one
   * transaction, with the throttle counters named (a lock the new badge ends). Returns whether a badge was voided.
   */
  replace(accountId: string, next: { id: string; digest: string; secretSealed: string } | null, now: number, clearCounters: string[]): Promise<boolean>;
  /** Stores a first badge unless the account got one meanwhile; false then. */
  insertIfNone(accountId: string, badge: { id: string; digest: string; secretSealed: string }, now: number): Promise<boolean>;
  markUsed(id: string, now: number): Promise<void>;
}
