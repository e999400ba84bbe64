/**
 * When a copy of some settings held in memory was last read from the database, so several processes converge on
 * what any of them saved: the copy is re-read once it is older than `maxAgeMs`, by one read that concurrent callers
 * share (one query per interval, however many requests arrive).
 */
export class StaleCopy {
  private loadedAt = 0;
  private loading: Promise<void> | null = null;

  constructor(private readonly maxAgeMs: number) {}

  /** The copy was just read. */
  loaded(): void {
    this.loadedAt = Date.now();
  }

  /** Runs `reload` (which calls `loaded`) when the copy is older than the interval, or waits for the one running. */
  async refreshIfStale(reload: () => Promise<void>): Promise<void> {
    if (Date.now() - this.loadedAt < this.maxAgeMs) return;
    this.loading ??= reload().finally(() => {
      this.loading = null;
    });
    await this.loading;
  }
}
