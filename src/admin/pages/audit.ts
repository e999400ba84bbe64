import { Readable } from 'node:stream';
import { AppError } from '../../shared/errors.js';
import { formatMoment } from '../../i18n/format.js';
import { auditCsv, parseAuditFilter } from '../audit.js';
import { pageNumber, type ConsoleKit } from '../console.js';

const PAGE_SIZE = 50;

/** The audit log: search and CSV export. */
export function auditPages({ router, services, admin, render, actor }: ConsoleKit): void {
  router.get('/admin/audit', admin, async (ctx) => {
    const timeZone = services.config.district.timeZone;
    const { form, query, errors } = parseAuditFilter(ctx.query, timeZone);
    const page = pageNumber(ctx);
    const rows = errors.length ? [] : await services.auditSearch.search(query, { offset: (page - 1) * PAGE_SIZE, limit: PAGE_SIZE + 1 });
    const params = new URLSearchParams(Object.entries(form).filter(([, v]) => v));
    const pageHref = (n: number) => {
      const p = new URLSearchParams(params);
      if (n > 1) p.set('page', String(n));
      const text = p.toString();
      return `/admin/audit${text ? `?${text}` : ''}`;
    };
    render(
      ctx,
      'audit',
      'audit',
      {
        form,
        errors,
        types: await services.auditSearch.types(),
        rows: rows.slice(0, PAGE_SIZE).map((r) => ({
          ...r,
          when: formatMoment(ctx.state.locale, r.at, timeZone),
          iso: new Date(r.at).toISOString(),
          details: Object.keys(r.data).length ? JSON.stringify(r.data) : '',
        })),
        page,
        previous: page > 1 ? pageHref(page - 1) : null,
        next: rows.length > PAGE_SIZE ? pageHref(page + 1) : null,
        csvHref: `/admin/audit.csv${params.toString() ? `?${params}` : ''}`,
        timeZone,
      },
      'admin.audit.title',
      errors.length ? 400 : 200,
    );
  });

  router.get('/admin/audit.csv', admin, async (ctx) => {
    const timeZone = services.config.district.timeZone;
    const { query, errors } = parseAuditFilter(ctx.query, timeZone);
    if (errors.length) throw new AppError(400, 'BAD_FILTER', `admin.errors.${errors[0].message}`);
    await services.events.emit({ type: 'audit.exported', actorId: actor(ctx).id, ip: ctx.ip || null, data: { filter: { ...query } } });
    ctx.set('Content-Disposition', `attachment; filename="homeroom-audit-${new Date().toISOString().slice(0, 10)}.csv"`);
    ctx.type = 'text/csv; charset=utf-8';
    ctx.body = Readable.from(auditCsv(services.auditSearch.stream(query), timeZone));
  });
}
