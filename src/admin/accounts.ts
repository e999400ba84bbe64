import { type Account, usernameKey } from '../accounts/account.js';
import { accountEmail, type EmailTemplates } from '../accounts/email.js';
import { foldStudentId } from '../accounts/normalize.js';
import type { FactorListing } from '../mfa/ports.js';
import type { AccountDirectory, AccountHit, AccountQuery, AuditRow, AuditSearch } from './ports.js';

/** Longest search term read: longer than any username, student number or name a roster holds. */
export const MAX_TERM = 100;

/**
 * What a search term can mean: a username, a student number (as families type it: leading zeros and an "S" before
 * the digits do not matter) or the beginning of a name: "Rivera", "Ana Rivera", "Rivera Ana" or "Rivera, Ana".
 * Null for a blank term.
 */
export function accountQuery(text: string): AccountQuery | null {
  const term = text.normalize('NFC').replace(/\s+/g, ' ').trim().slice(0, MAX_TERM);
  if (!term) return null;
  const studentKey = /^[\p{L}\p{N}-]+$/u.test(term) ? foldStudentId(term) : '';
  const names: AccountQuery['names'] = [{ family: term, given: null }];
  const comma = term.indexOf(',');
  if (comma > 0) {
    const family = term.slice(0, comma).trim();
    const given = term.slice(comma + 1).trim();
    if (family) names.push({ family, given: given || null });
  } else if (term.includes(' ')) {
    const [first, ...rest] = term.split(' ');
    names.push({ family: rest.join(' '), given: first }, { family: first, given: rest.join(' ') });
  }
  return { usernameKey: usernameKey(term), studentKey: studentKey || null, names };
}

/** The address Google Workspace (and other apps signing in by email) knows a person by, or why there is none. */
export type GoogleEmail = { email: string; source: 'roster' | 'template'; outsideDomain: boolean } | { email: null; reason: 'noTemplate' | 'noStudentId' };

export function googleEmailOf(account: Pick<Account, 'email' | 'username' | 'studentId' | 'roles'>, templates: EmailTemplates, domain: string | null): GoogleEmail {
  const email = accountEmail(account, templates);
  if (email) {
    const host = email.slice(email.lastIndexOf('@') + 1).toLowerCase();
    const outsideDomain = domain !== null && host !== domain && !host.endsWith(`.${domain}`);
    return { email, source: account.email ? 'roster' : 'template', outsideDomain };
  }
  const role = account.roles.includes('student') ? 'student' : account.roles.includes('teacher') ? 'teacher' : 'staff';
  // accountEmail() gives no address only without a template for the role, or when it needs a missing student ID.
  return { email: null, reason: templates[role] ? 'noStudentId' : 'noTemplate' };
}

export interface AccountProfile {
  account: Account;
  google: GoogleEmail;
  /** Authenticator apps by name and dates (never a secret), and how many unused recovery codes remain. */
  factors: FactorListing[];
  recoveryCodes: number;
  events: AuditRow[];
}

/** Reads for the console's account pages: the search, and one account with what the help desk asks about it. */
export class AccountLookup {
  constructor(
    private readonly directory: AccountDirectory,
    private readonly accounts: { findById(id: string): Promise<Account | null> },
    private readonly factors: { list(accountId: string): Promise<FactorListing[]>; unusedRecoveryCodes(accountId: string): Promise<number> },
    private readonly audit: Pick<AuditSearch, 'aboutAccount'>,
    private readonly templates: () => EmailTemplates,
  ) {}

  /** Exact matches (first page only) then names; `more` says whether there is a next page of names. */
  async search(query: AccountQuery, page: number, pageSize: number): Promise<{ exact: AccountHit[]; names: AccountHit[]; more: boolean }> {
    const [exact, names] = await Promise.all([
      page === 1 ? this.directory.exact(query) : Promise.resolve([]),
      this.directory.byName(query, { offset: (page - 1) * pageSize, limit: pageSize }),
    ]);
    const shown = new Set(exact.map((a) => a.id));
    return { exact, names: names.slice(0, pageSize).filter((a) => !shown.has(a.id)), more: names.length > pageSize };
  }

  async profile(id: string, googleDomain: string | null, eventCount: number): Promise<AccountProfile | null> {
    const account = await this.accounts.findById(id);
    if (!account) return null;
    const [factors, recoveryCodes, events] = await Promise.all([this.factors.list(id), this.factors.unusedRecoveryCodes(id), this.audit.aboutAccount(id, eventCount)]);
    return { account, google: googleEmailOf(account, this.templates(), googleDomain), factors, recoveryCodes, events };
  }
}
