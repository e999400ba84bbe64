/** One student's home language as a source gives it: by student number (mapping file) or by roster sourcedId. */
export interface LanguageEntry {
  /** The student ID (mapping file) or the users.csv sourcedId (roster column). */
  key: string;
  language: string;
}

export interface HomeLanguageStore {
  /** Stores the languages of the accounts `entries` name; returns how many accounts were found. */
  saveByStudentId(entries: LanguageEntry[], source: 'file', now: number): Promise<number>;
  saveBySourcedId(entries: LanguageEntry[], source: 'roster', now: number): Promise<number>;
  of(accountId: string): Promise<string | null>;
}
