import type { StudentListing } from '../accounts/account.js';

export interface LetterSchool {
  id: string;
  name: string;
}

export interface LetterClass {
  id: string;
  title: string;
  schoolId: string;
}

/** A student as the letter needs them: who, whether the account is claimed, from when it can be, in which language. */
export type LetterStudent = StudentListing & { claimed: boolean; claimableAt: number | null; homeLanguage: string | null };

export interface LetterStore {
  /** A school by its roster sourcedId or its identifier (the state or district school number). */
  school(idOrIdentifier: string): Promise<LetterSchool | null>;
  class(id: string): Promise<LetterClass | null>;
  /** Active students of a school, or of one of its classes, by family then given name. */
  students(schoolId: string, classId: string | null): Promise<LetterStudent[]>;
  /** One student's account, whatever its school: the re-claim sheet after a reset. */
  student(accountId: string): Promise<LetterStudent | null>;
}
