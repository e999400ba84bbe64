import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import type { EventBus } from '../events/bus.js';
import { IssueList, type IssueSummary } from './issues.js';
import type { RosterFile } from './columns.js';
import type { ProcessingMode } from './manifest.js';
import { Planner, type ImportPlan, type RosterSettings } from './plan.js';
import type { RosterStorePort, WriteSession } from './ports.js';
import { silentProgress, type Progress } from './progress.js';
import { openRosterSource } from './source.js';
import type { ImportSummary } from './summary.js';

export interface ImportOptions {
  /** Validate and diff, print the same summary, change nothing. */
  dryRun?: boolean;
  /** Apply even when some rows are invalid: those rows are skipped (and reported). */
  allowPartial?: boolean;
  /** Apply even when the import would disable more than roster.maxDisableShare of active accounts. */
  force?: boolean;
  /** Process bulk files as delta: nothing absent is disabled or removed. */
  forceDelta?: boolean;
  progress?: Progress;
}

/**
 * applied: changes written. dry-run: nothing written on purpose. invalid: errors and no --allow-partial.
 * refused: the mass-disable guard. failed: an unexpected error (nothing written). interrupted: a run whose process died.
 */
export type ImportStatus = 'applied' | 'dry-run' | 'invalid' | 'refused' | 'failed';

export interface ImportReport {
  id: string;
  source: string;
  status: ImportStatus;
  /** Why the import did not apply, in one sentence; null when it applied. */
  message: string | null;
  startedAt: number;
  finishedAt: number;
  durationMs: number;
  rows: number;
  rowsPerSecond: number;
  modes: Partial<Record<RosterFile, ProcessingMode>>;
  summary: ImportSummary | null;
  guard: ImportPlan['guard'] | null;
  sessionsRevoked: number;
  /** Back-channel logout notices queued for the apps the disabled accounts were signed in to (the server sends them). */
  logoutNotices: number;
  errors: IssueSummary;
  warnings: IssueSummary;
}

export interface RosterImportDeps {
  store: RosterStorePort;
  events: EventBus;
  settings: RosterSettings;
}

/** Exit status of `homeroom roster import` for each outcome (2: refused, as for other refused requests). */
export const EXIT_CODES: Record<ImportStatus, number> = { applied: 0, 'dry-run': 0, invalid: 2, refused: 2, failed: 1 };

/**
 * Imports a OneRoster set: validate everything and decide every change first (streaming, nothing written), then
 * write the changes in one transaction. The report says what happened and is recorded for `roster status`.
 */
export async function importRoster(deps: RosterImportDeps, path: string, options: ImportOptions = {}): Promise<ImportReport> {
  const progress = options.progress ?? silentProgress;
  const id = randomUUID();
  const startedAt = Date.now();
  const source = resolve(path);
  await deps.store.markInterrupted();
  await deps.store.startRun({ id, startedAt, source, mode: options.dryRun ? 'dry-run' : 'apply' });

  let plan = null as ImportPlan | null;
  let status = 'failed' as ImportStatus;
  let message: string | null = null;
  let sessionsRevoked = 0;
  let logoutNotices = 0;
  const failure = new IssueList();
  const now = Date.now();

  /** Plans (and, unless a dry run, writes as it goes), then decides whether the changes may stay. */
  const run = async (writer: WriteSession | null): Promise<boolean> => {
    const roster = await openRosterSource(source);
    try {
      const planner = new Planner(roster, deps.store, { settings: deps.settings, forceDelta: options.forceDelta, progress, sink: writer });
      plan = await planner.plan();
      await planner.countAbsent();
    } finally {
      await roster.close();
    }
    const { guard, errors } = plan;
    if (errors.count > 0 && !options.allowPartial) {
      status = 'invalid';
      message = `${errors.count} error${errors.count === 1 ? '' : 's'}: nothing was changed (fix the file, or use --allow-partial to skip the rows in error)`;
      return false;
    }
    if (guard.activeBefore > 0 && guard.share > guard.limit && !options.force) {
      status = 'refused';
      message = `this import would disable ${guard.wouldDisable} of ${guard.activeBefore} active accounts (${(guard.share * 100).toFixed(1)} %, more than the ${(guard.limit * 100).toFixed(1)} % allowed by roster.maxDisableShare): nothing was changed; check the export, or use --force`;
      return false;
    }
    if (!writer) {
      status = 'dry-run';
      message = 'dry run: nothing was changed';
      return false;
    }
    ({ sessionsRevoked, logoutNotices } = await writer.finish(plan));
    const finishedAt = Date.now();
    await writer.finishRun({
      id,
      finishedAt,
      status: 'applied',
      summary: { ...runSummary(plan, 'applied', null, startedAt, finishedAt), sessionsRevoked, logoutNotices },
      errors: runIssues(plan),
    });
    status = 'applied';
    return true;
  };

  try {
    if (options.dryRun) {
      await run(null);
    } else {
      // One transaction from the first row written to the report: it commits only an import that is valid and allowed.
      const writer = await deps.store.openWriter({ now, claimDelay: deps.settings.claimDelay, runId: id }, progress);
      let committed = false;
      try {
        if (await run(writer)) {
          await writer.commit();
          committed = true;
        }
      } finally {
        if (!committed) await writer.rollback();
      }
    }
  } catch (error) {
    status = 'failed';
    message = (error as Error).message;
    failure.add({ file: '', line: 0, reason: message });
  } finally {
    progress.done();
  }

  const finishedAt = Date.now();
  const report: ImportReport = {
    id,
    source,
    status,
    message,
    startedAt,
    finishedAt,
    durationMs: finishedAt - startedAt,
    rows: plan?.rows ?? 0,
    rowsPerSecond: plan ? Math.round((plan.rows * 1000) / Math.max(1, finishedAt - startedAt)) : 0,
    modes: plan?.modes ?? {},
    summary: plan?.summary ?? null,
    guard: plan?.guard ?? null,
    sessionsRevoked,
    logoutNotices,
    errors: plan ? plan.errors.toJSON() : failure.toJSON(),
    warnings: plan ? plan.warnings.toJSON() : { count: 0, items: [] },
  };
  if (status !== 'applied') {
    await deps.store
      .finishRun({
        id,
        finishedAt,
        status,
        summary: plan ? runSummary(plan, status, message, startedAt, finishedAt) : { message },
        errors: plan ? runIssues(plan) : { errors: failure.toJSON() },
      })
      .catch(() => undefined);
  }
  if (status !== 'dry-run') {
    await deps.events.emit({
      type: status === 'applied' ? 'roster.imported' : 'roster.import_rejected',
      data: {
        run: id,
        status,
        source,
        rows: report.rows,
        durationMs: report.durationMs,
        errors: report.errors.count,
        accounts: report.summary ? countsOnly(report.summary.accounts) : null,
        sessionsRevoked,
        logoutNotices,
        ...(message ? { message } : {}),
      },
    });
  }
  return report;
}

function countsOnly<T extends object>(counts: T): Record<string, number> {
  return Object.fromEntries(Object.entries(counts).filter(([, v]) => typeof v === 'number')) as Record<string, number>;
}

function runSummary(plan: ImportPlan, status: string, message: string | null, startedAt: number, finishedAt: number) {
  return { status, message, rows: plan.rows, durationMs: finishedAt - startedAt, modes: plan.modes, guard: plan.guard, ...plan.summary };
}

function runIssues(plan: ImportPlan) {
  return { errors: plan.errors.toJSON(), warnings: plan.warnings.toJSON() };
}
