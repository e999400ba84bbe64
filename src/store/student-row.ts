import type { StudentListing } from '../accounts/account.js';

/**
 * The columns of a student's account that every list of students shows (a class, a school, the help desk), selected
 * from `accounts as a`, and what they become.
 */
export const STUDENT_COLUMNS = ['a.id', 'a.username', 'a.given_name', 'a.family_name', 'a.student_id', 'a.grade', 'a.password_hash'] as const;

export interface StudentRow {
  id: string;
  username: string;
  given_name: string;
  family_name: string;
  student_id: string | null;
  grade: string | null;
  password_hash: string | null;
}

/** A student as staff lists them, and whether the family claimed the account (it has a password). */
export type StudentIdentity = StudentListing & { claimed: boolean };

export function studentIdentity(row: StudentRow): StudentIdentity {
  return {
    accountId: row.id,
    username: row.username,
    givenName: row.given_name,
    familyName: row.family_name,
    studentId: row.student_id ?? null,
    grade: row.grade ?? null,
    claimed: row.password_hash !== null,
  };
}
