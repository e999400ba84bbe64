import type { Translate } from '../i18n/i18n.js';
import { isIssueCode, ISSUE_MESSAGE_PREFIX } from '../roster/issue-text.js';
import type { RosterRun } from '../roster/ports.js';
import type { RowIssue } from '../roster/issues.js';
import type { AccountCounts, EntityCounts } from '../roster/summary.js';
import { formatMoment } from '../i18n/format.js';

/**
 * Roster imports as the admin console shows them: what `homeroom roster import` and the watched folder recorded in
 * roster_runs, turned into rows and tables for the views (no Koa here; the routes only pick the page).
 */

export const ACCOUNT_OUTCOMES = ['created', 'updated', 'disabled', 'reenabled', 'unchanged', 'rejected', 'skipped'] as const;
export const ENTITY_OUTCOMES = ['created', 'updated', 'unchanged', 'removed', 'rejected', 'skipped'] as const;
const ENTITIES = ['orgs', 'academicSessions', 'courses', 'classes', 'enrollments'] as const;

/** What the badge of each status says about the run: applied, nothing applied on purpose, or a problem. */
const STATUS_KINDS: Record<string, 'ok' | 'info' | 'problem'> = {
  applied: 'ok',
  'dry-run': 'info',
  running: 'info',
  invalid: 'problem',
  refused: 'problem',
  failed: 'problem',
  interrupted: 'problem',
};

/** A run's summary as importRoster records it (see runSummary there); every part may be missing from older runs. */
interface StoredSummary {
  message?: string | null;
  rows?: number;
  durationMs?: number;
  guard?: { activeBefore: number; wouldDisable: number; share: number; limit: number } | null;
  accounts?: AccountCounts & { byRole?: Record<string, AccountCounts>; bySchool?: Record<string, AccountCounts & { name: string | null }> };
  entities?: Partial<Record<(typeof ENTITIES)[number], EntityCounts>>;
  skipped?: Record<string, number>;
  notAccounts?: Record<string, number>;
  files?: Record<string, { mode: string; rows: number; ignoredColumns?: string[] }>;
  ignoredFiles?: string[];
  version?: string | null;
  sessionsRevoked?: number;
  logoutNotices?: number;
}

interface StoredIssues {
  errors?: { count: number; items: RowIssue[] };
  warnings?: { count: number; items: RowIssue[] };
}

export interface RunRow {
  id: string;
  href: string;
  when: string;
  iso: string;
  status: string;
  kind: 'ok' | 'info' | 'problem';
  dryRun: boolean;
  source: string;
  rows: number | null;
  seconds: number | null;
  created: number | null;
  disabled: number | null;
  errorCount: number;
}

/** A line of a counts table: a total, a role or a school. */
export interface CountsLine {
  label: string;
  /** A message id to translate the label with, when it is not a name from the roster. */
  labelId?: string;
  counts: number[];
}

export interface RunDetail extends RunRow {
  finished: string | null;
  /** What the status means for this run, as a message id and its values. */
  explanation: { id: string; values: Record<string, string | number> } | null;
  /** The technical reason of a failed run (an exception's message), shown as it is. */
  failure: string | null;
  rowsPerSecond: number | null;
  version: string | null;
  files: { name: string; mode: string; rows: number; ignoredColumns: string[] }[];
  ignoredFiles: string[];
  accounts: CountsLine[];
  schools: CountsLine[];
  entities: CountsLine[];
  /** Users that are not accounts, by their OneRoster roles. */
  notAccounts: { roles: string; count: number }[];
  sessionsRevoked: number;
  logoutNotices: number;
  errors: { count: number; items: RowIssue[] };
  warnings: { count: number; items: RowIssue[] };
}

const summaryOf = (run: RosterRun) => (run.summary && typeof run.summary === 'object' ? (run.summary as StoredSummary) : {});
const issuesOf = (run: RosterRun) => (run.errors && typeof run.errors === 'object' ? (run.errors as StoredIssues) : {});
const number = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : null);

/** A run's duration to show: tenths of a second, or hundredths under a second (a small district's run is not "0 s"). */
export const seconds = (ms: number): number => (ms < 1000 ? Math.round(ms / 10) / 100 : Math.round(ms / 100) / 10);

export function runRow(run: RosterRun, timeZone: string, locale = 'en'): RunRow {
  const summary = summaryOf(run);
  const durationMs = number(summary.durationMs) ?? (run.finishedAt !== null ? run.finishedAt - run.startedAt : null);
  const known = Object.hasOwn(STATUS_KINDS, run.status);
  return {
    id: run.id,
    href: `/admin/roster/runs/${encodeURIComponent(run.id)}`,
    when: formatMoment(locale, run.startedAt, timeZone),
    iso: new Date(run.startedAt).toISOString(),
    status: known ? run.status : 'failed',
    kind: known ? STATUS_KINDS[run.status] : 'problem',
    dryRun: run.mode === 'dry-run',
    source: run.source,
    rows: number(summary.rows),
    seconds: durationMs === null ? null : seconds(durationMs),
    created: number(summary.accounts?.created),
    disabled: number(summary.accounts?.disabled),
    errorCount: number(issuesOf(run).errors?.count) ?? 0,
  };
}

const countsOf = (counts: object | undefined, outcomes: readonly string[]) => outcomes.map((o) => number((counts as Record<string, unknown> | undefined)?.[o]) ?? 0);

/** Why a run changed nothing (or what it was), for the statuses that need saying. */
function explanationOf(run: RosterRun, summary: StoredSummary, errors: number): RunDetail['explanation'] {
  switch (run.status) {
    case 'invalid':
      return { id: 'admin.roster.explain.invalid', values: { count: errors } };
    case 'refused': {
      const g = summary.guard;
      if (!g) return { id: 'admin.roster.explain.refusedShort', values: {} };
      const percent = (share: number) => Math.round(share * 1000) / 10;
      return { id: 'admin.roster.explain.refused', values: { count: g.wouldDisable, active: g.activeBefore, share: percent(g.share), limit: percent(g.limit) } };
    }
    case 'dry-run':
      return { id: 'admin.roster.explain.dryRun', values: {} };
    case 'failed':
      return { id: 'admin.roster.explain.failed', values: {} };
    case 'interrupted':
      return { id: 'admin.roster.explain.interrupted', values: {} };
    case 'running':
      return { id: 'admin.roster.explain.running', values: {} };
    default:
      return null;
  }
}

/** Runs recorded before notAccounts keyed them only by "role guardian, parent: not an account" (see UserPlanner.readUsers). */
const NOT_ACCOUNT = /^role (.+): not an account$/;

export function runDetail(run: RosterRun, timeZone: string, locale = 'en'): RunDetail {
  const row = runRow(run, timeZone, locale);
  const summary = summaryOf(run);
  const issues = issuesOf(run);
  const errors = issues.errors ?? { count: 0, items: [] };
  const accounts = summary.accounts;
  const byRole = Object.entries(accounts?.byRole ?? {}).sort(([a], [b]) => a.localeCompare(b));
  const bySchool = Object.entries(accounts?.bySchool ?? {}).sort(([a, x], [b, y]) => (x.name ?? a).localeCompare(y.name ?? b) || a.localeCompare(b));
  return {
    ...row,
    finished: run.finishedAt === null ? null : formatMoment(locale, run.finishedAt, timeZone),
    explanation: explanationOf(run, summary, errors.count),
    failure: run.status === 'failed' && summary.message ? summary.message : null,
    rowsPerSecond: row.rows !== null && row.seconds ? Math.round(row.rows / row.seconds) : null,
    version: summary.version ?? null,
    files: Object.entries(summary.files ?? {}).map(([name, f]) => ({ name: `${name}.csv`, mode: f.mode, rows: f.rows, ignoredColumns: f.ignoredColumns ?? [] })),
    ignoredFiles: summary.ignoredFiles ?? [],
    accounts: accounts
      ? [
          { label: '', labelId: 'admin.roster.allAccounts', counts: countsOf(accounts, ACCOUNT_OUTCOMES) },
          ...byRole.map(([role, c]) => ({ label: role, labelId: `admin.roles.${role}`, counts: countsOf(c, ACCOUNT_OUTCOMES) })),
        ]
      : [],
    schools: bySchool.map(([id, c]) => ({ label: c.name ? `${c.name} (${id})` : id, counts: countsOf(c, ACCOUNT_OUTCOMES) })),
    entities: ENTITIES.filter((e) => summary.entities?.[e]).map((e) => ({ label: `${e}.csv`, counts: countsOf(summary.entities![e], ENTITY_OUTCOMES) })),
    notAccounts: summary.notAccounts
      ? Object.entries(summary.notAccounts).map(([roles, count]) => ({ roles, count }))
      : Object.entries(summary.skipped ?? {}).map(([reason, count]) => ({ roles: NOT_ACCOUNT.exec(reason)?.[1] ?? reason, count })),
    sessionsRevoked: number(summary.sessionsRevoked) ?? 0,
    logoutNotices: number(summary.logoutNotices) ?? 0,
    errors,
    warnings: issues.warnings ?? { count: 0, items: [] },
  };
}

/**
 * A row issue's problem in the reader's language; as recorded (in English) when it has no message id: an unexpected
 * failure's message, or a run recorded before issues had one.
 */
export function issueText(t: Translate, issue: RowIssue): string {
  return isIssueCode(issue.code) ? t(`${ISSUE_MESSAGE_PREFIX}${issue.code}`, issue.params) : issue.reason;
}
