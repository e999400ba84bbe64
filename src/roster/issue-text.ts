import { loadCatalog } from '../i18n/i18n.js';

/**
 * The problems an import reports, one message id each under `roster.issues` in the catalogs. A report carries the
 * English text (for `homeroom roster import`, its JSON and the logs) with the id and its values, so the admin console
 * shows the same problem in the reader's language.
 */
export const ISSUE_CODES = [
  'required',
  'tooLong',
  'status',
  'boolean',
  'date',
  'roleType',
  'notOrgType',
  'notSessionType',
  'notOneRosterRole',
  'controlCharacters',
  'duplicateId',
  'parentMissing',
  'orgMissing',
  'orgRejected',
  'orgDeleted',
  'courseMissing',
  'sessionMissing',
  'userMissing',
  'userRejected',
  'classMissing',
  'classRejected',
  'classDeleted',
  'rolesRowRejected',
  'roleRequired',
  'noRole',
  'unknownRole',
  'badEmail',
  'templateEmpty',
  'usernameInvalid',
  'usernameTwice',
  'studentNumberTwice',
  'usernameTaken',
  'usernameTakenBy',
  'studentNumberTaken',
  'studentNumberTakenBy',
  'missingColumns',
  'emptyFile',
  'unterminatedQuote',
  'unreadable',
  'manifestMissing',
  'manifestUnlisted',
  'manifestBadMode',
  'manifestBadModeAbsent',
  'manifestFileMissing',
] as const;

export type IssueCode = (typeof ISSUE_CODES)[number];

export type IssueParams = Record<string, string | number>;

/** A problem as its id and values. */
export interface IssueMessage {
  code: IssueCode;
  params?: IssueParams;
}

export const ISSUE_MESSAGE_PREFIX = 'roster.issues.';

const ENGLISH = (loadCatalog('en') as { roster: { issues: Record<IssueCode, string> } }).roster.issues;

/** The English text of a problem. */
export function issueReason(code: IssueCode, params: IssueParams = {}): string {
  return ENGLISH[code].replace(/\{\{\s*(\w+)\s*\}\}/g, (whole, name: string) => (params[name] === undefined ? whole : String(params[name])));
}

const CODES = new Set<string>(ISSUE_CODES);

export function isIssueCode(value: unknown): value is IssueCode {
  return typeof value === 'string' && CODES.has(value);
}

/** The reason, id and values a RowIssue carries for a problem. */
export function issueFields(code: IssueCode, params?: IssueParams): { reason: string; code: IssueCode; params?: IssueParams } {
  return { reason: issueReason(code, params), code, ...(params ? { params } : {}) };
}
