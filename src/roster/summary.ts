/** What an import did (or, in a dry run, would do), in numbers. */

export type AccountOutcome = 'created' | 'updated' | 'disabled' | 'reenabled' | 'unchanged' | 'rejected' | 'skipped';

export type AccountCounts = Record<AccountOutcome, number>;

export interface EntityCounts {
  created: number;
  updated: number;
  unchanged: number;
  removed: number;
  rejected: number;
  skipped: number;
}

export interface ImportSummary {
  accounts: AccountCounts & {
    byRole: Record<string, AccountCounts>;
    bySchool: Record<string, AccountCounts & { name: string | null }>;
  };
  entities: Record<'orgs' | 'academicSessions' | 'courses' | 'classes' | 'enrollments', EntityCounts>;
  /** Users that are not accounts, by reason in English ("role guardian: not an account"), as the CLI prints them. */
  skipped: Record<string, number>;
  /** The same users by their OneRoster roles ("guardian", "parent, relative"), for a page in another language. */
  notAccounts: Record<string, number>;
  files: Record<string, { mode: string; rows: number; ignoredColumns?: string[] }>;
  /** Files in the set that Homeroom does not read (demographics, userProfiles, results …). */
  ignoredFiles: string[];
  version: string | null;
}

export const emptyCounts = (): AccountCounts => ({ created: 0, updated: 0, disabled: 0, reenabled: 0, unchanged: 0, rejected: 0, skipped: 0 });
export const emptyEntityCounts = (): EntityCounts => ({ created: 0, updated: 0, unchanged: 0, removed: 0, rejected: 0, skipped: 0 });
