import { Readable } from 'node:stream';
import type Router from '@koa/router';
import type { Context } from 'koa';
import type { Account } from '../accounts/account.js';
import { adminNav } from '../admin/console.js';
import { formBody, formField } from '../http/middleware/body.js';
import { seeOther } from '../http/redirect.js';
import { pageRouter, type PageDeps } from '../http/page-router.js';
import type { SignedInAs } from '../http/signed-in.js';
import type { Services } from '../services.js';
import { forbidden, notFound } from '../shared/errors.js';
import { localDate } from './calendar.js';
import { EXPORT_COLUMNS, notReadyCsv, slug } from './csv.js';
import type { Figures } from './figures.js';
import { chartView, figuresRow, formatter, gradeName, studentRows, summaryView, type Formatter, type FiguresRow } from './present.js';
import type { ExportScope, GroupPage } from './service.js';

const ID = /^[^/?#\s]{1,255}$/;
/** A grade in a path: the roster's code, or "_" for students with none. */
const NO_GRADE = '_';
const gradeParam = (grade: string) => encodeURIComponent(grade || NO_GRADE);
const gradeOf = (param: string) => (param === NO_GRADE ? '' : param);
const NOTICES = ['refreshed', 'refreshing'];
/** The refresh button waits this long for the new figures before answering that they are on their way. */
const REFRESH_WAIT_MS = 10_000;

interface Table {
  id: string;
  heading: string;
  caption: string;
  nameHeader: string;
  rows: FiguresRow[];
}

/**
 * The readiness dashboard: district → school → grade → class for administrators, and the same class pages for a
 * teacher's own classes. Every page and export checks the role on each request, and a teacher's class again on each
 * request. Thin: the figures come from ReadinessService, their wording from present.ts.
 */
export type ReadinessDeps = Pick<Services, 'config' | 'events' | 'log' | 'readiness'> & PageDeps & { signedIn: SignedInAs };

export function readinessRoutes(deps: ReadinessDeps): Router {
  const { config, readiness, views, csrf } = deps;
  const admin = deps.signedIn(['admin']);
  const teacher = deps.signedIn(['teacher']);
  const router = pageRouter(deps);
  const format = (ctx: Context): Formatter => formatter(ctx.state.locale, ctx.state.t, config.district.timeZone);
  const me = (ctx: Context) => ctx.state.account as Account;

  const figuresTable = (f: Formatter, id: string, nameHeader: string, rows: FiguresRow[]): Table => ({
    id,
    heading: f.t(`readiness.${id}.heading`),
    caption: f.t(`readiness.${id}.caption`),
    nameHeader,
    rows,
  });

  function render(
    ctx: Context,
    options: {
      admin: boolean;
      title: string;
      heading: string;
      breadcrumb: { label: string; href: string | null }[];
      page: GroupPage;
      live: boolean;
      exportHref: string;
      tables: Table[];
      students?: ReturnType<typeof studentRows>;
    },
  ) {
    const f = format(ctx);
    const { page } = options;
    const notice = typeof ctx.query.done === 'string' && NOTICES.includes(ctx.query.done) ? f.t(`readiness.notices.${ctx.query.done}`) : null;
    views.render(
      ctx,
      'readiness/page',
      {
        section: 'readiness',
        nav: adminNav('readiness'),
        notice: null,
        readinessNotice: notice,
        isAdmin: options.admin,
        heading: options.heading,
        breadcrumb: options.breadcrumb,
        summary: summaryView(f, page.figures, page.deadline, page.freshness, options.live),
        chart: chartView(f, page.series, page.figures, page.deadline),
        exportHref: options.exportHref,
        tables: options.tables,
        students: options.students ?? null,
        refreshBack: options.admin && !options.live ? ctx.path : null,
      },
      { title: options.title, private: true },
    );
  }

  const districtCrumb = (f: Formatter) => ({ label: f.t('readiness.district'), href: '/admin/readiness' });
  const schoolHref = (id: string) => `/admin/readiness/schools/${encodeURIComponent(id)}`;
  const gradeHref = (schoolId: string, grade: string) => `${schoolHref(schoolId)}/grades/${gradeParam(grade)}`;
  const rowsOf = (
    f: Formatter,
    rows: { id: string; name: string; figures: Figures }[],
    href: (id: string) => string | null,
    name = (row: { id: string; name: string }) => row.name,
  ) => rows.map((row) => figuresRow(f, name(row), href(row.id), row.figures));

  // ---- Administrators: district, school, grade, class ---------------------------------------------------------------

  router.get('/admin/readiness', admin, async (ctx) => {
    const f = format(ctx);
    const page = await readiness.district();
    const schools = rowsOf(f, page.schools, schoolHref);
    if (page.withoutSchool) schools.push(figuresRow(f, f.t('readiness.schools.none'), null, page.withoutSchool));
    render(ctx, {
      admin: true,
      title: 'readiness.title',
      heading: f.t('readiness.heading'),
      breadcrumb: [],
      page,
      live: false,
      exportHref: '/admin/readiness/not-ready.csv',
      tables: [
        figuresTable(f, 'schools', f.t('readiness.col.school'), schools),
        figuresTable(
          f,
          'grades',
          f.t('readiness.col.grade'),
          rowsOf(
            f,
            page.grades,
            () => null,
            (row) => gradeName(f, row.id),
          ),
        ),
      ],
    });
  });

  router.get('/admin/readiness/schools/:school', admin, async (ctx) => {
    const f = format(ctx);
    const page = ID.test(ctx.params.school) ? await readiness.school(ctx.params.school) : null;
    if (!page) throw notFound();
    render(ctx, {
      admin: true,
      title: 'readiness.schoolTitle',
      heading: page.school.name,
      breadcrumb: [districtCrumb(f), { label: page.school.name, href: null }],
      page,
      live: false,
      exportHref: `${schoolHref(page.school.id)}/not-ready.csv`,
      tables: [
        figuresTable(
          f,
          'grades',
          f.t('readiness.col.grade'),
          rowsOf(
            f,
            page.grades,
            (grade) => gradeHref(page.school.id, grade),
            (row) => gradeName(f, row.id),
          ),
        ),
      ],
    });
  });

  router.get('/admin/readiness/schools/:school/grades/:grade', admin, async (ctx) => {
    const f = format(ctx);
    const grade = gradeOf(ctx.params.grade);
    const page = ID.test(ctx.params.school) && grade.length <= 40 ? await readiness.grade(ctx.params.school, grade) : null;
    if (!page) throw notFound();
    const classes = page.classes.map((c) =>
      figuresRow(f, c.title, `/admin/readiness/classes/${encodeURIComponent(c.classId)}`, c.figures, c.classType === 'homeroom' ? f.t('readiness.classes.homeroom') : null),
    );
    render(ctx, {
      admin: true,
      title: 'readiness.gradeTitle',
      heading: `${gradeName(f, grade)} · ${page.school.name}`,
      breadcrumb: [districtCrumb(f), { label: page.school.name, href: schoolHref(page.school.id) }, { label: gradeName(f, grade), href: null }],
      page,
      live: false,
      exportHref: `${gradeHref(page.school.id, grade)}/not-ready.csv`,
      tables: [{ ...figuresTable(f, 'classes', f.t('readiness.col.class'), classes), heading: f.t('readiness.classes.heading', { grade: gradeName(f, grade) }) }],
    });
  });

  async function classPage(ctx: Context, asAdmin: boolean) {
    const f = format(ctx);
    const page = await readiness.classPage(ctx.params.class);
    if (!page) throw notFound();
    const base = asAdmin ? '/admin/readiness/classes' : '/staff/readiness/classes';
    const breadcrumb = asAdmin
      ? [districtCrumb(f), ...(page.info.schoolName ? [{ label: page.info.schoolName, href: schoolHref(page.info.schoolId) }] : []), { label: page.info.title, href: null }]
      : [
          { label: f.t('readiness.teacher.heading'), href: '/staff/readiness' },
          { label: page.info.title, href: null },
        ];
    render(ctx, {
      admin: asAdmin,
      title: 'readiness.classTitle',
      heading: page.info.title,
      breadcrumb,
      page,
      live: true,
      exportHref: `${base}/${encodeURIComponent(page.info.classId)}/not-ready.csv`,
      tables: [],
      students: studentRows(f, page.students),
    });
  }

  router.get('/admin/readiness/classes/:class', admin, async (ctx) => {
    if (!ID.test(ctx.params.class)) throw notFound();
    await classPage(ctx, true);
  });

  // "Update the figures now": recomputes the summary, then back to the page it was pressed on.
  router.post('/admin/readiness/refresh', formBody, csrf.verify, admin, async (ctx) => {
    const back = formField(ctx, 'back');
    const target = /^\/admin\/readiness(\/[^?#\s]*)?$/.test(back) ? back : '/admin/readiness';
    const refresh = readiness.refresh().catch((error) => {
      deps.log.warn({ err: error }, 'readiness summary refresh failed');
      return false;
    });
    const done = await Promise.race([refresh, new Promise<boolean>((resolve) => setTimeout(resolve, REFRESH_WAIT_MS, false).unref())]);
    seeOther(ctx, `${target}?done=${done ? 'refreshed' : 'refreshing'}`);
  });

  // ---- The lists of students not ready ------------------------------------------------------------------------------

  async function sendCsv(ctx: Context, scope: ExportScope, name: string) {
    const f = format(ctx);
    const today = localDate(Date.now(), config.district.timeZone);
    await deps.events.emit({ type: 'readiness.exported', actorId: me(ctx).id, ip: ctx.state.ip ?? null, data: { scope } });
    const filename = `not-ready-${name}-${today}.csv`;
    ctx.set('Content-Disposition', `attachment; filename="${filename}"`);
    ctx.set('Cache-Control', 'no-store');
    ctx.type = 'text/csv; charset=utf-8';
    const text = { header: (column: (typeof EXPORT_COLUMNS)[number]) => f.t(`readiness.csv.${column}`), yes: f.t('readiness.csv.yes'), no: f.t('readiness.csv.no') };
    ctx.body = Readable.from(notReadyCsv(readiness.notReady(scope), (ids) => readiness.classesOfStudents(ids), text));
  }

  router.get('/admin/readiness/not-ready.csv', admin, async (ctx) => {
    await sendCsv(ctx, { level: 'district' }, 'district');
  });

  router.get('/admin/readiness/schools/:school/not-ready.csv', admin, async (ctx) => {
    const school = ID.test(ctx.params.school) ? await readiness.schoolOf(ctx.params.school) : null;
    if (!school) throw notFound();
    await sendCsv(ctx, { level: 'school', schoolId: school.id }, slug(school.name));
  });

  router.get('/admin/readiness/schools/:school/grades/:grade/not-ready.csv', admin, async (ctx) => {
    const school = ID.test(ctx.params.school) ? await readiness.schoolOf(ctx.params.school) : null;
    if (!school) throw notFound();
    const grade = gradeOf(ctx.params.grade);
    await sendCsv(ctx, { level: 'grade', schoolId: school.id, grade }, `${slug(school.name)}-${slug(grade || 'none')}`);
  });

  router.get('/admin/readiness/classes/:class/not-ready.csv', admin, async (ctx) => {
    const info = ID.test(ctx.params.class) ? await readiness.classInfo(ctx.params.class) : null;
    if (!info) throw notFound();
    await sendCsv(ctx, { level: 'class', classId: info.classId }, slug(info.title));
  });

  // ---- Teachers: their own classes ----------------------------------------------------------------------------------

  /** Checked on every request, whatever page led here: a teacher sees only the classes they teach. */
  async function ownClass(ctx: Context): Promise<void> {
    if (!ID.test(ctx.params.class) || !(await readiness.teaches(me(ctx).id, ctx.params.class))) throw forbidden('NOT_YOUR_CLASS', 'readiness.errors.notYourClass');
  }

  router.get('/staff/readiness', teacher, async (ctx) => {
    const f = format(ctx);
    const classes = await readiness.teacherClasses(me(ctx).id);
    const rows = classes.map((c) => figuresRow(f, c.title, `/staff/readiness/classes/${encodeURIComponent(c.classId)}`, c.figures, c.schoolName));
    const deadline = readiness.deadline();
    views.render(
      ctx,
      'readiness/teacher',
      {
        deadline: summaryView(f, { active: 0, claimed: 0, signedIn: 0, ready: 0 }, deadline, { refreshedAt: null, updating: false }, true).deadline,
        table: rows.length ? figuresTable(f, 'myClasses', f.t('readiness.col.class'), rows) : null,
      },
      { title: 'readiness.teacher.title', private: true },
    );
  });

  router.get('/staff/readiness/classes/:class', teacher, async (ctx) => {
    await ownClass(ctx);
    await classPage(ctx, false);
  });

  router.get('/staff/readiness/classes/:class/not-ready.csv', teacher, async (ctx) => {
    await ownClass(ctx);
    const info = await readiness.classInfo(ctx.params.class);
    if (!info) throw notFound();
    await sendCsv(ctx, { level: 'class', classId: info.classId }, slug(info.title));
  });

  return router;
}
