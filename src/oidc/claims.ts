import { displayName, type Account } from '../accounts/account.js';
import { accountEmail, type EmailTemplates } from '../accounts/email.js';

/** Scopes Homeroom offers and the claims each releases. `sub` is the account's opaque id, never the student number. */
export const SCOPE_CLAIMS = {
  openid: ['sub'],
  profile: ['name', 'given_name', 'family_name', 'preferred_username'],
  email: ['email', 'email_verified'],
  roles: ['roles'],
  school: ['schools', 'grade'],
} as const;

/** `email` is the roster's address, else the district's template for the account's role (email.templates). */
export function accountClaims(account: Account, emailTemplates: EmailTemplates = {}): Record<string, unknown> {
  const email = accountEmail(account, emailTemplates);
  return {
    sub: account.id,
    name: displayName(account),
    given_name: account.givenName,
    family_name: account.familyName,
    preferred_username: account.username,
    ...(email ? { email, email_verified: true } : {}),
    roles: account.roles,
    schools: account.schools.map((s) => ({ id: s.id, name: s.name })),
    ...(account.grade ? { grade: account.grade } : {}),
  };
}
