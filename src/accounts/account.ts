/** A staff member can hold several: a teacher may also work the help desk. */
export const ROLES = ['student', 'teacher', 'staff', 'helpdesk', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export interface School {
  id: string;
  name: string;
}

export interface Account {
  /** Stable, opaque: the OIDC `sub`. Never the student number. */
  id: string;
  username: string;
  givenName: string;
  familyName: string;
  email: string | null;
  studentId: string | null;
  grade: string | null;
  status: 'active' | 'disabled';
  passwordHash: string | null;
  claimedAt: number | null;
  /** When the family may claim the account (the roster's claim window); null: at once. */
  claimableAt: number | null;
  lastLoginAt: number | null;
  roles: Role[];
  schools: School[];
  /** Whether the account has a second factor (an authenticator app): the sign-in then asks for it. */
  secondFactor: boolean;
}

export interface NewAccount {
  username: string;
  givenName: string;
  familyName: string;
  email?: string | null;
  studentId?: string | null;
  grade?: string | null;
  roles: Role[];
  schools?: School[];
  /** Already hashed; absent for an account that has not been claimed yet. */
  passwordHash?: string | null;
}

/** Usernames are trimmed and case-insensitive (the letter's S0123456 and s0123456 are one account). */
export function usernameKey(username: string): string {
  return username.normalize('NFC').trim().toLowerCase();
}

export const USERNAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$/;

export function displayName(account: Pick<Account, 'givenName' | 'familyName'>): string {
  return `${account.givenName} ${account.familyName}`.trim();
}

/** A student as staff lists them (My students, the readiness pages and their exports). */
export interface StudentListing {
  accountId: string;
  username: string;
  givenName: string;
  familyName: string;
  studentId: string | null;
  grade: string | null;
}
