import type { Role } from '../accounts/account.js';
import type { EmailTemplates } from '../accounts/email.js';

/** Storage the admin console needs, implemented in src/store/admin-*.ts for SQLite and PostgreSQL. */

export interface StoredHelpLink {
  id: string;
  title: Record<string, string>;
  url: string;
  /** null: everyone. */
  roles: Role[] | null;
  showOnLogin: boolean;
  position: number;
  createdAt: number;
  updatedAt: number;
}

export interface HelpLinkStore {
  list(): Promise<StoredHelpLink[]>;
  find(id: string): Promise<StoredHelpLink | null>;
  insert(link: StoredHelpLink): Promise<void>;
  update(link: StoredHelpLink): Promise<void>;
  remove(id: string): Promise<boolean>;
}

export interface AuditQuery {
  /** Username of the person the event concerns. */
  user?: string;
  /** Username of the person who acted. */
  actor?: string;
  /** An event type (`login.failed`), or a family with a trailing dot or star (`login.`, `login.*`). */
  type?: string;
  /** Epoch milliseconds, inclusive start and exclusive end. */
  from?: number;
  to?: number;
}

export interface AuditRow {
  id: string;
  at: number;
  type: string;
  actorId: string | null;
  actorUsername: string | null;
  subjectId: string | null;
  subjectUsername: string | null;
  ip: string | null;
  data: Record<string, unknown>;
}

/** Read side of the audit log: there is no update or delete anywhere (append-only from the application's side). */
export interface AuditSearch {
  /** Newest first; `limit + 1` rows are asked for so the caller knows whether there is a next page. */
  search(query: AuditQuery, page: { offset: number; limit: number }): Promise<AuditRow[]>;
  /** Every matching row, newest first, in batches (for the CSV export). */
  stream(query: AuditQuery, batchSize?: number): AsyncIterable<AuditRow>;
  /** Distinct event types seen, for the search form. */
  types(): Promise<string[]>;
  /** The newest events about one account (its subject), newest first. */
  aboutAccount(accountId: string, limit: number): Promise<AuditRow[]>;
}

/** An account Google Workspace (or any app that signs people in by email) cannot know: it has no address. */
export interface AccountWithoutEmail {
  id: string;
  username: string;
  givenName: string;
  familyName: string;
  roles: Role[];
}

export interface EmailDirectory {
  /**
   * Active accounts that have no roster email and no address from `templates` (the rule of accountEmail()), by
   * username, with how many there are in all: districts have a million accounts, so it is counted and paged in SQL.
   */
  withoutEmail(templates: EmailTemplates, page: { offset: number; limit: number }): Promise<{ total: number; rows: AccountWithoutEmail[] }>;
  /** Active accounts whose roster email is neither at `domain` nor at one of its subdomains. */
  rosterEmailsOutside(domain: string): Promise<number>;
}

/** An account as the console's search lists it. */
export interface AccountHit {
  id: string;
  username: string;
  givenName: string;
  familyName: string;
  studentId: string | null;
  grade: string | null;
  status: 'active' | 'disabled';
  roles: Role[];
  schools: string[];
}

/**
 * What the console's account search looks for: an exact username, an exact student number (without leading zeros,
 * as families type it), and names by their beginnings, each family-name beginning with an optional given-name one.
 */
export interface AccountQuery {
  usernameKey: string;
  studentKey: string | null;
  names: { family: string; given: string | null }[];
}

export interface AccountDirectory {
  /** Exact username and student-number matches (a few at most). */
  exact(query: AccountQuery): Promise<AccountHit[]>;
  /** Name matches by family name, given name, id; `limit + 1` are asked for so the caller knows of a next page. */
  byName(query: AccountQuery, page: { offset: number; limit: number }): Promise<AccountHit[]>;
}
