/** What picture passwords need from storage. */
export interface PictureStore {
  /** The account's hashed sequence, or null when it has none. */
  hashOf(accountId: string): Promise<string | null>;
  /** Sets (or replaces) the account's sequence and deletes the throttle counters `clearCounters`, in one transaction. */
  set(accountId: string, sequenceHash: string, setBy: string | null, now: number, clearCounters: string[]): Promise<void>;
  /** Which of these accounts have a sequence. */
  withPictures(accountIds: string[]): Promise<string[]>;
  /** Replaces the hash of the same sequence (an algorithm upgrade), only while it is still `oldHash`. */
  upgrade(accountId: string, oldHash: string, newHash: string): Promise<void>;
}
