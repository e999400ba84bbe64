import type { NewAccount } from '../accounts/account.js';

/** The fictional demo district: one school, claimed and unclaimed students, a teacher and an administrator. */
export const DEMO_SCHOOL = { id: 'maple-lakeside', name: 'Lakeside Elementary School' };

export interface DemoAccount extends Omit<NewAccount, 'passwordHash'> {
  /** Absent for students who have not claimed their account yet. */
  password: string | null;
  note: string;
}

/** The demo's grade that signs in with a QR badge (policy signIn.badgeGrades), so a newcomer can print and try one. */
export const DEMO_BADGE_GRADES = ['04'];

export const DEMO_ACCOUNTS: DemoAccount[] = [
  { username: 'S0100001', givenName: 'Ana', familyName: 'García', studentId: '100001', grade: '05', roles: ['student'], password: 'Lakeside-Ana-2026', note: 'claimed student' },
  {
    username: 'S0100002',
    givenName: 'Noah',
    familyName: 'Tremblay',
    studentId: '100002',
    grade: '05',
    roles: ['student'],
    password: 'Lakeside-Noah-2026',
    note: 'claimed student (sibling on a shared device)',
  },
  { username: 'S0100003', givenName: 'Léa', familyName: 'Côté', studentId: '100003', grade: '04', roles: ['student'], password: null, note: 'new student, not claimed yet' },
  {
    username: 'S0100004',
    givenName: 'Malik',
    familyName: "O'Connor-Diallo",
    studentId: '100004',
    grade: '04',
    roles: ['student'],
    password: null,
    note: 'new student, not claimed yet',
  },
  { username: 'mrivera', givenName: 'María', familyName: 'Rivera', email: 'mrivera@maple.example', roles: ['teacher'], password: 'Teach-Lakeside-2026', note: 'teacher' },
  {
    username: 'helpdesk',
    givenName: 'Pat',
    familyName: 'Lee',
    email: 'helpdesk@maple.example',
    roles: ['helpdesk', 'staff'],
    password: 'Helpdesk-Maple-2026',
    note: 'help desk (approves account-reset tickets)',
  },
  {
    username: 'admin',
    givenName: 'Dana',
    familyName: 'Okafor',
    email: 'admin@maple.example',
    roles: ['admin', 'staff'],
    password: 'Admin-Maple-2026',
    note: 'district administrator',
  },
];
