import { randomUUID } from 'node:crypto';
import { usernameKey, type Account } from '../accounts/account.js';
import { foldStudentId } from '../accounts/normalize.js';
import type { AccountStore } from '../accounts/ports.js';
import type { EventBus } from '../events/bus.js';
import { dateTimeFormat } from '../i18n/format.js';
import type { SessionRevoker } from '../recovery/ports.js';
import { AppError, badRequest, forbidden } from '../shared/errors.js';
import { accountCounters, throttleKeys } from '../throttle/keys.js';
import type { ThrottleRule } from '../throttle/throttle.js';
import type { ClassSummary, QueueEntry, StaffStore, StudentStatus, Ticket } from './ports.js';

export interface TicketPolicy {
  /** Dates inclusive (YYYY-MM-DD, in the district's time zone); null: tickets can be opened any day. */
  window: { start: string; end: string } | null;
  /** ticket: the help desk approves; direct: a teacher's reset takes effect at once. */
  mode: 'ticket' | 'direct';
}

export interface StaffSettings {
  tickets: TicketPolicy;
  timeZone: string;
  loginLimit: ThrottleRule;
  recoveryLimit: ThrottleRule;
}

export interface StudentView extends StudentStatus {
  loginLocked: boolean;
  recoveryLocked: boolean;
  /** Ready for the first day: claimed and signed in at least once. */
  ready: boolean;
}

export interface ClassView extends ClassSummary {
  students: StudentView[];
  counts: { total: number; claimed: number; signedIn: number; notReady: number };
}

export type WindowState = { open: true } | { open: false; reason: 'notYet' | 'closed'; date: string };

const MAX_REASON = 500;
export const MAX_BULK = 1000;

function locked(counter: { count: number; windowStart: number } | null, rule: ThrottleRule, now: number): boolean {
  return counter !== null && counter.count >= rule.limit && counter.windowStart + rule.window * 1000 > now;
}

/**
 * The letter's "contact the student's teacher … teachers will submit a ticket … once the account has been reset,
 * the student must complete the claim process", and what teachers need to get every student ready before the
 * deadline. A teacher only ever sees or acts on students enrolled in their own classes.
 */
export class StaffService {
  constructor(
    private readonly store: StaffStore,
    private readonly accounts: AccountStore,
    private readonly revoker: SessionRevoker,
    /** The settings in force, read at each use: the ticket policy can change while running. */
    readonly settings: () => StaffSettings,
    private readonly events: EventBus,
  ) {}

  async classes(teacher: Account, now = Date.now()): Promise<ClassView[]> {
    const { loginLimit, recoveryLimit } = this.settings();
    const classes = await this.store.teacherClasses(teacher.id);
    const students = await this.store.studentsOf(classes.map((c) => c.classId));
    return classes.map((summary) => {
      const list = students
        .filter((s) => s.classId === summary.classId)
        .map((s) => ({
          ...s,
          loginLocked: locked(s.loginCounter, loginLimit, now),
          recoveryLocked: locked(s.recoveryCounter, recoveryLimit, now),
          ready: s.claimed && s.lastLoginAt !== null,
        }));
      return {
        ...summary,
        students: list,
        counts: {
          total: list.length,
          claimed: list.filter((s) => s.claimed).length,
          signedIn: list.filter((s) => s.lastLoginAt !== null).length,
          notReady: list.filter((s) => !s.ready).length,
        },
      };
    });
  }

  /** Whether tickets can be opened today, and if not, when they could or could last. */
  windowState(now = Date.now()): WindowState {
    const { tickets, timeZone } = this.settings();
    if (!tickets.window) return { open: true };
    const today = dateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
    if (today < tickets.window.start) return { open: false, reason: 'notYet', date: tickets.window.start };
    if (today > tickets.window.end) return { open: false, reason: 'closed', date: tickets.window.end };
    return { open: true };
  }

  private async mustTeach(teacher: Account, studentId: string): Promise<Account> {
    // Checked on every request, whatever the page showed: a teacher acts only on students of their own classes.
    if (!(await this.store.teaches(teacher.id, studentId))) throw forbidden('NOT_YOUR_STUDENT', 'staff.errors.notYourStudent');
    const student = await this.accounts.findById(studentId);
    if (!student) throw forbidden('NOT_YOUR_STUDENT', 'staff.errors.notYourStudent');
    return student;
  }

  async openTicket(teacher: Account, studentId: string, reason: string, ip: string, now = Date.now()): Promise<Ticket> {
    const student = await this.mustTeach(teacher, studentId);
    const window = this.windowState(now);
    if (!window.open) {
      throw new AppError(409, window.reason === 'notYet' ? 'TICKETS_NOT_OPEN_YET' : 'TICKETS_CLOSED', `staff.errors.window.${window.reason}`, { date: window.date });
    }
    const text = reason.trim();
    if (!text) throw badRequest('REASON_REQUIRED', 'staff.errors.reasonRequired');
    if ([...text].length > MAX_REASON) throw badRequest('REASON_TOO_LONG', 'staff.errors.reasonTooLong', { max: MAX_REASON });

    const ticket: Ticket = {
      id: randomUUID(),
      accountId: student.id,
      teacherId: teacher.id,
      reason: text,
      status: 'open',
      note: null,
      createdAt: now,
      decidedAt: null,
      decidedBy: null,
    };
    if (!(await this.store.insertTicket(ticket))) throw new AppError(409, 'TICKET_ALREADY_OPEN', 'staff.errors.alreadyOpen');
    await this.events.emit({ type: 'ticket.opened', actorId: teacher.id, subjectId: student.id, ip, data: { ticket: ticket.id } });
    if (this.settings().tickets.mode === 'direct') {
      await this.decide(teacher, ticket.id, 'approved', null, ip, now);
      return (await this.store.ticket(ticket.id))!;
    }
    return ticket;
  }

  /** The help desk's decision (or a direct-mode teacher's); approval resets the account. False when no longer open. */
  async decide(actor: Account, ticketId: string, decision: 'approved' | 'rejected', note: string | null, ip: string, now = Date.now()): Promise<boolean> {
    const ticket = await this.store.ticket(ticketId);
    if (!ticket || ticket.status !== 'open') return false;
    const student = await this.accounts.findById(ticket.accountId);
    const counterKeys = student
      ? [...accountCounters(usernameKey(student.username)), ...(student.studentId ? [throttleKeys.claimStudent(foldStudentId(student.studentId))] : [])]
      : [];
    if (!(await this.store.decide(ticketId, decision, actor.id, note?.trim() || null, now, counterKeys))) return false;
    await this.events.emit({ type: `ticket.${decision}`, actorId: actor.id, subjectId: ticket.accountId, ip, data: { ticket: ticketId, ...(note ? { note } : {}) } });
    if (decision === 'approved') {
      await this.revoker.revokeAll(ticket.accountId);
      await this.events.emit({ type: 'account.reset', actorId: actor.id, subjectId: ticket.accountId, ip, data: { ticket: ticketId } });
    }
    return true;
  }

  /** Approves many tickets in one request; each is its own transaction, so one failure never undoes the others. */
  async approveMany(actor: Account, ticketIds: string[], ip: string): Promise<{ approved: string[]; skipped: string[] }> {
    if (ticketIds.length > MAX_BULK) throw badRequest('TOO_MANY_TICKETS', 'staff.errors.tooMany', { max: MAX_BULK });
    const approved: string[] = [];
    const skipped: string[] = [];
    for (const id of [...new Set(ticketIds)]) {
      const done = await this.decide(actor, id, 'approved', null, ip).catch(() => false);
      (done ? approved : skipped).push(id);
    }
    return { approved, skipped };
  }

  queue(limit = 500): Promise<QueueEntry[]> {
    return this.store.openQueue(limit);
  }

  ticketsOf(teacher: Account): Promise<Ticket[]> {
    return this.store.ticketsByTeacher(teacher.id, 200);
  }

  /** A ticket as its teacher (or the help desk) may see it. */
  async ticketFor(viewer: Account, ticketId: string): Promise<{ ticket: Ticket; student: Account }> {
    const ticket = await this.store.ticket(ticketId);
    const staffDesk = viewer.roles.includes('helpdesk') || viewer.roles.includes('admin');
    if (!ticket || (ticket.teacherId !== viewer.id && !staffDesk)) throw forbidden('NOT_YOUR_TICKET', 'staff.errors.notYourTicket');
    const student = await this.accounts.findById(ticket.accountId);
    if (!student) throw forbidden('NOT_YOUR_TICKET', 'staff.errors.notYourTicket');
    return { ticket, student };
  }
}
