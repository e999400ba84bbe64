import type { Account } from '../../src/accounts/account.js';
import { accountEmail } from '../../src/accounts/email.js';
import { accountClaims } from '../../src/oidc/claims.js';

const student: Account = {
  id: 'a1',
  username: 'S0100001',
  givenName: 'Ana',
  familyName: 'García',
  email: null,
  studentId: '100001',
  grade: '05',
  status: 'active',
  passwordHash: null,
  claimedAt: null,
  claimableAt: null,
  lastLoginAt: null,
  roles: ['student'],
  schools: [],
  secondFactor: false,
};
const templates = { student: '{username}@students.maple.example', teacher: 't.{studentId}@maple.example' };

describe('the address apps know a person by (Google Workspace, OIDC email, SAML mail)', () => {
  test('the roster email wins; without one, the template of the role, lower-cased', () => {
    expect(accountEmail({ ...student, email: 'Ana.Garcia@maple.example' }, templates)).toBe('Ana.Garcia@maple.example');
    expect(accountEmail(student, templates)).toBe('s0100001@students.maple.example');
    expect(accountEmail(student, {})).toBeNull();
  });

  test('a template whose placeholder the account cannot fill gives no address, rather than a wrong one', () => {
    expect(accountEmail({ ...student, roles: ['teacher'], studentId: null }, templates)).toBeNull();
    expect(accountEmail({ ...student, roles: ['staff'] }, templates)).toBeNull();
  });

  test('the OIDC email claim follows the same rule', () => {
    expect(accountClaims(student, templates)).toMatchObject({ email: 's0100001@students.maple.example', email_verified: true });
    expect(accountClaims(student)).not.toHaveProperty('email');
  });
});
