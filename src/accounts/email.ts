import type { Account } from './account.js';

export type EmailTemplates = Partial<Record<'student' | 'teacher' | 'staff', string>>;

/** Placeholders an email template can use. */
export const EMAIL_PLACEHOLDERS = ['username', 'studentId'] as const;

/**
 * The address apps (Google Workspace among them) know a person by: the roster's email when it has one, otherwise
 * the district's template for the person's role (`{username}@students.district.example`), lower-cased as mail
 * systems compare addresses; null when neither gives one.
 */
export function accountEmail(account: Pick<Account, 'email' | 'username' | 'studentId' | 'roles'>, templates: EmailTemplates): string | null {
  if (account.email) return account.email;
  const role = account.roles.includes('student') ? 'student' : account.roles.includes('teacher') ? 'teacher' : 'staff';
  const template = templates[role];
  if (!template) return null;
  const values: Record<(typeof EMAIL_PLACEHOLDERS)[number], string | null> = { username: account.username, studentId: account.studentId };
  let missing = false;
  const address = template.replace(/\{(username|studentId)\}/g, (_all, key: (typeof EMAIL_PLACEHOLDERS)[number]) => {
    const value = values[key];
    if (!value) missing = true;
    return value ?? '';
  });
  return missing ? null : address.toLowerCase();
}
