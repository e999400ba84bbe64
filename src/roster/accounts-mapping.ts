import type { IssueMessage } from './issue-text.js';
import { USERNAME_PATTERN, usernameKey } from '../accounts/account.js';
import type { OneRosterRole } from './rows.js';

/** The Homeroom roles the roster manages; `admin` is never set or removed by an import. */
export type RosterRole = 'student' | 'teacher' | 'staff';
export const ROSTER_ROLES: readonly RosterRole[] = ['student', 'teacher', 'staff'];

/** OneRoster role → Homeroom role; null: not an account (guardians, parents, relatives sign in nowhere here). */
export function mapRole(role: OneRosterRole): RosterRole | null {
  switch (role) {
    case 'student':
      return 'student';
    case 'teacher':
      return 'teacher';
    case 'guardian':
    case 'parent':
    case 'relative':
      return null;
    default:
      return 'staff';
  }
}

/** Which role's template names an account that has several. */
export function templateRole(primary: RosterRole | null, roles: Set<RosterRole>): RosterRole | null {
  if (primary) return primary;
  for (const role of ['teacher', 'staff', 'student'] as const) if (roles.has(role)) return role;
  return null;
}

/** `{SIS:123},{LDAP:jdoe}` → [['SIS', '123'], ['LDAP', 'jdoe']]. */
export function parseUserIds(value: string | null): [string, string][] {
  if (!value) return [];
  const out: [string, string][] = [];
  for (const match of value.matchAll(/\{\s*([^:{}]+?)\s*:\s*([^{}]*?)\s*\}/g)) out.push([match[1], match[2]]);
  return out;
}

export function studentNumberOf(source: string, user: { sourcedId: string; identifier: string | null; userIds: string | null }): string | null {
  if (source === 'identifier') return user.identifier;
  if (source === 'sourcedId') return user.sourcedId;
  const type = source.slice('userIds:'.length).toLowerCase();
  const found = parseUserIds(user.userIds).find(([t]) => t.toLowerCase() === type);
  return found && found[1] ? found[1] : null;
}

const PLACEHOLDER = /\{(studentNumber|identifier|username|sourcedId|email|emailLocalPart)\}/g;

export function templateProblem(template: string): string | null {
  const unknown = template.replace(PLACEHOLDER, '').match(/\{[^}]*\}/);
  return unknown ? `unknown placeholder ${unknown[0]}` : null;
}

export interface UsernameInput {
  studentNumber: string | null;
  identifier: string | null;
  username: string | null;
  sourcedId: string;
  email: string | null;
}

/** Fills a username template; an error message when a placeholder is empty or the result is not a valid username. */
export function renderUsername(template: string, input: UsernameInput): { username: string } | { error: IssueMessage } {
  const values: Record<string, string | null> = {
    studentNumber: input.studentNumber,
    identifier: input.identifier,
    username: input.username,
    sourcedId: input.sourcedId,
    email: input.email,
    emailLocalPart: input.email ? input.email.split('@')[0] : null,
  };
  let empty: string | null = null;
  const username = template.replace(PLACEHOLDER, (_, name: string) => {
    const value = values[name]?.trim() ?? '';
    if (!value) empty = name;
    return value;
  });
  if (empty) return { error: { code: 'templateEmpty', params: { template, part: empty } } };
  if (!USERNAME_PATTERN.test(username)) return { error: { code: 'usernameInvalid', params: { username, template } } };
  return { username };
}

export { usernameKey };
