import type Router from '@koa/router';
import type { Account } from '../accounts/account.js';
import { accountEmail } from '../accounts/email.js';
import { formBody, formField, formValues } from '../http/middleware/body.js';
import { dateTimeFormat } from '../i18n/format.js';
import { letterLanguage, sendLetters } from '../http/letters-download.js';
import { sendPdf } from '../http/pdf-download.js';
import { sendBadgeSheets } from '../http/badges-download.js';
import { seeOther } from '../http/redirect.js';
import { pageRouter, type PageDeps } from '../http/page-router.js';
import type { SignedInAs } from '../http/signed-in.js';
import type { Services, WebServices } from '../services.js';
import { badRequest, forbidden } from '../shared/errors.js';
import { QueryValues } from '../shared/query-values.js';
import { MAX_BULK } from './staff-service.js';

/** Teachers' "My students" and reset requests, and the help desk's queue. Thin: every decision is in StaffService. */
export type StaffDeps = Pick<Services, 'config' | 'i18n' | 'letters' | 'policies' | 'pictures' | 'badges' | 'badgeSheets'> &
  Pick<WebServices, 'staff'> &
  PageDeps & { signedIn: SignedInAs };

export function staffRoutes(deps: StaffDeps): Router {
  const { staff: service, views, csrf } = deps;
  const teacher = deps.signedIn(['teacher']);
  const anyStaff = deps.signedIn(['teacher', 'helpdesk', 'admin']);
  const desk = deps.signedIn(['helpdesk', 'admin']);
  const router = pageRouter(deps);
  const me = (ctx: { state: Record<string, unknown> }) => ctx.state.account as Account;
  const dateTime = (locale: string, ms: number) => dateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short', timeZone: service.settings().timeZone }).format(ms);
  const date = (locale: string, iso: string) => dateTimeFormat(locale, { dateStyle: 'long', timeZone: 'UTC' }).format(new Date(`${iso}T00:00:00Z`));

  router.get('/staff', teacher, async (ctx) => {
    const notReadyOnly = ctx.query.filter === 'not-ready';
    const classes = await service.classes(me(ctx));
    const tickets = await service.ticketsOf(me(ctx));
    const window = service.windowState();
    const badgeStudents = classes.flatMap((c) => c.students).filter((s) => deps.badges.gradeHasBadges(s.grade));
    const badges = await deps.badges.status(badgeStudents.map((s) => s.accountId));
    views.render(
      ctx,
      'staff/students',
      {
        account: me(ctx),
        classes: classes.map((c) => ({ ...c, students: notReadyOnly ? c.students.filter((s) => !s.ready) : c.students })),
        notReadyOnly,
        tickets,
        windowNotice: window.open ? null : { reason: window.reason, date: date(ctx.state.locale, window.date) },
        formatTime: (ms: number) => dateTime(ctx.state.locale, ms),
        isDesk: me(ctx).roles.includes('helpdesk') || me(ctx).roles.includes('admin'),
        pictureGrades: deps.policies.current().signIn.pictureGrades,
        withPictures: await deps.pictures.withPictures(classes.flatMap((c) => c.students.map((s) => s.accountId))),
        badgeGrade: (grade: string | null) => deps.badges.gradeHasBadges(grade),
        badges,
        badgeDone: typeof ctx.query.badge === 'string' && ['voided', 'regenerated'].includes(ctx.query.badge) ? ctx.query.badge : null,
      },
      { title: 'staff.title', private: true },
    );
  });

  router.get('/staff/students/:id/reset', teacher, async (ctx) => {
    const classes = await service.classes(me(ctx));
    const student = classes.flatMap((c) => c.students).find((s) => s.accountId === ctx.params.id);
    if (!student) throw forbidden('NOT_YOUR_STUDENT', 'staff.errors.notYourStudent');
    const window = service.windowState();
    views.render(
      ctx,
      'staff/reset-request',
      { student, windowNotice: window.open ? null : { reason: window.reason, date: date(ctx.state.locale, window.date) }, direct: service.settings().tickets.mode === 'direct' },
      { title: 'staff.reset.title', private: true },
    );
  });

  router.get('/staff/classes/:classId/letters', teacher, async (ctx) => {
    const classes = await service.classes(me(ctx));
    if (!classes.some((c) => c.classId === ctx.params.classId)) throw forbidden('NOT_YOUR_CLASS', 'readiness.errors.notYourClass');
    const selection = await deps.letters.selectClass(ctx.params.classId, letterLanguage(ctx));
    await sendLetters(ctx, deps.letters, selection, deps.config.print.chromiumPath, me(ctx).id);
  });

  router.get('/staff/classes/:classId/badges', teacher, async (ctx) => {
    const classes = await service.classes(me(ctx));
    if (!classes.some((c) => c.classId === ctx.params.classId)) throw forbidden('NOT_YOUR_CLASS', 'readiness.errors.notYourClass');
    const selection = await deps.badgeSheets.select({ classId: ctx.params.classId, locale: ctx.state.locale });
    await sendBadgeSheets(ctx, deps.badgeSheets, selection, deps.config.print.chromiumPath, me(ctx).id);
  });

  // Void (a lost card) or replace a student's badge: the old one fails at once. Only for the teacher's own students.
  router.post('/staff/students/:id/badge', formBody, csrf.verify, teacher, async (ctx) => {
    const classes = await service.classes(me(ctx));
    const student = classes.flatMap((c) => c.students).find((s) => s.accountId === ctx.params.id);
    if (!student) throw forbidden('NOT_YOUR_STUDENT', 'staff.errors.notYourStudent');
    const actor = { id: me(ctx).id, ip: ctx.state.ip };
    const action = formField(ctx, 'action');
    if (action === 'void') await deps.badges.void(student.accountId, actor);
    else if (action === 'regenerate' && deps.badges.gradeHasBadges(student.grade)) await deps.badges.regenerate(student.accountId, actor);
    else throw badRequest('BAD_BADGE_ACTION', 'errors.badRequest');
    seeOther(ctx, `/staff?badge=${action === 'void' ? 'voided' : 'regenerated'}`);
  });

  router.post('/staff/tickets', formBody, csrf.verify, teacher, async (ctx) => {
    const ticket = await service.openTicket(me(ctx), formField(ctx, 'student'), formField(ctx, 'reason'), ctx.state.ip);
    seeOther(ctx, `/staff/tickets/${ticket.id}`);
  });

  router.get('/staff/tickets/:id', anyStaff, async (ctx) => {
    const { ticket, student } = await service.ticketFor(me(ctx), ctx.params.id);
    const home = ticket.status === 'approved' ? await deps.letters.student(student.id) : null;
    // The address Google Workspace and other email-keyed apps know the student by: "I can't get into Gmail" lands here.
    views.render(
      ctx,
      'staff/ticket',
      {
        ticket,
        student,
        googleEmail: accountEmail(student, deps.config.email.templates),
        formatTime: (ms: number) => dateTime(ctx.state.locale, ms),
        sheetLanguage: home ? deps.letters.languageOf(home) : null,
        languages: deps.i18n.locales,
      },
      { title: 'staff.ticket.title', private: true },
    );
  });

  router.get('/staff/tickets/:id/sheet', anyStaff, async (ctx) => {
    // A PDF in the family's language (?lang=auto: the student's home language): the teacher's own pages keep theirs.
    const { ticket, student } = await service.ticketFor(me(ctx), ctx.params.id);
    if (ticket.status !== 'approved') throw forbidden('NOT_RESET_YET', 'staff.errors.notResetYet');
    const found = await deps.letters.student(student.id);
    if (!found) throw forbidden('NOT_YOUR_TICKET', 'staff.errors.notYourTicket');
    const request = { student: found, resetAt: ticket.decidedAt ?? ticket.createdAt, lang: letterLanguage(ctx), ticketId: ticket.id };
    deps.letters.checkLanguage(request.lang);
    await sendPdf(ctx, deps.letters.reclaimFileName(request), deps.config.print.chromiumPath, (printer, out) =>
      deps.letters.printReclaim(request, printer, out, { id: me(ctx).id, ip: ctx.state.ip ?? null }),
    );
  });

  router.get('/helpdesk', desk, async (ctx) => {
    const queue = await service.queue();
    const values = new QueryValues(ctx.query);
    const approved = values.integer('approved', { min: 0, max: MAX_BULK }, 0);
    const skipped = values.integer('skipped', { min: 0, max: MAX_BULK }, 0);
    values.orThrow();
    views.render(
      ctx,
      'staff/queue',
      { queue, approved, skipped, rejected: ctx.query.rejected === '1', formatTime: (ms: number) => dateTime(ctx.state.locale, ms) },
      { title: 'helpdesk.title', private: true },
    );
  });

  router.post('/helpdesk/approve', formBody, csrf.verify, desk, async (ctx) => {
    const { approved, skipped } = await service.approveMany(me(ctx), formValues(ctx, 'ticket'), ctx.state.ip);
    seeOther(ctx, `/helpdesk?approved=${approved.length}&skipped=${skipped.length}`);
  });

  router.post('/helpdesk/tickets/:id/reject', formBody, csrf.verify, desk, async (ctx) => {
    const done = await service.decide(me(ctx), ctx.params.id, 'rejected', formField(ctx, 'note').slice(0, 500), ctx.state.ip);
    seeOther(ctx, done ? '/helpdesk?rejected=1' : '/helpdesk?skipped=1');
  });

  return router;
}
