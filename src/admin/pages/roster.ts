import type { Context } from 'koa';
import { formatLocale } from '../../i18n/locales.js';
import type { Translate } from '../../i18n/i18n.js';
import type { RowIssue } from '../../roster/issues.js';
import { notFound } from '../../shared/errors.js';
import { pageNumber, type ConsoleKit } from '../console.js';
import { ACCOUNT_OUTCOMES, ENTITY_OUTCOMES, issueText, runDetail, runRow } from '../roster-runs.js';

const RUNS_PAGE_SIZE = 20;
const RUN_ID = /^[0-9a-f-]{36}$/;

/** Roster imports: the runs recorded by the CLI and the watched folder, and each run's report. */
export function rosterPages({ router, services, admin, render }: ConsoleKit): void {
  const numbers = (ctx: Context) => {
    const format = new Intl.NumberFormat(formatLocale(ctx.state.locale));
    return (n: number) => format.format(n);
  };

  router.get('/admin/roster', admin, async (ctx) => {
    const timeZone = services.config.district.timeZone;
    const page = pageNumber(ctx);
    const runs = await services.rosterRuns.list({ offset: (page - 1) * RUNS_PAGE_SIZE, limit: RUNS_PAGE_SIZE + 1 });
    // The first page leads with the newest run and, when that one changed nothing, the import the roster comes from.
    const latest = page === 1 && runs.length ? runDetail(runs[0], timeZone, ctx.state.locale) : null;
    const applied = latest && latest.status !== 'applied' ? await services.rosterRuns.lastApplied() : null;
    const { watchDir, watchInterval } = services.config.roster;
    render(
      ctx,
      'roster',
      'roster/index',
      {
        latest,
        lastApplied: applied ? runRow(applied, timeZone, ctx.state.locale) : null,
        runs: runs.slice(0, RUNS_PAGE_SIZE).map((r) => runRow(r, timeZone, ctx.state.locale)),
        page,
        previous: page > 1 ? `/admin/roster${page > 2 ? `?page=${page - 1}` : ''}` : null,
        next: runs.length > RUNS_PAGE_SIZE ? `/admin/roster?page=${page + 1}` : null,
        watch: watchDir ? { dir: watchDir, seconds: watchInterval } : null,
        accountOutcomes: ACCOUNT_OUTCOMES,
        timeZone,
        num: numbers(ctx),
      },
      'admin.roster.title',
    );
  });

  router.get('/admin/roster/runs/:id', admin, async (ctx) => {
    const run = RUN_ID.test(ctx.params.id) ? await services.rosterRuns.find(ctx.params.id) : null;
    if (!run) throw notFound();
    const timeZone = services.config.district.timeZone;
    render(
      ctx,
      'roster',
      'roster/run',
      {
        run: runDetail(run, timeZone, ctx.state.locale),
        accountOutcomes: ACCOUNT_OUTCOMES,
        entityOutcomes: ENTITY_OUTCOMES,
        timeZone,
        num: numbers(ctx),
        issueText: (issue: RowIssue) => issueText(ctx.state.t as Translate, issue),
      },
      'admin.roster.runTitle',
    );
  });
}
