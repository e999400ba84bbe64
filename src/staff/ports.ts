import type { StudentListing } from '../accounts/account.js';

export interface ClassSummary {
  classId: string;
  title: string;
  schoolName: string | null;
}

/** One student as a teacher sees them before the first day. */
export interface StudentStatus extends StudentListing {
  classId: string;
  status: 'active' | 'disabled';
  claimed: boolean;
  lastLoginAt: number | null;
  /** Failed-attempt counters as stored: compared with the limits in force by the service. */
  loginCounter: { count: number; windowStart: number } | null;
  recoveryCounter: { count: number; windowStart: number } | null;
  openTicketId: string | null;
}

export type TicketStatus = 'open' | 'approved' | 'rejected';

export interface Ticket {
  id: string;
  accountId: string;
  teacherId: string;
  reason: string;
  status: TicketStatus;
  note: string | null;
  createdAt: number;
  decidedAt: number | null;
  decidedBy: string | null;
}

export interface QueueEntry extends Ticket {
  studentUsername: string;
  studentName: string;
  schoolNames: string[];
  teacherName: string;
}

export interface StaffStore {
  teacherClasses(teacherId: string): Promise<ClassSummary[]>;
  studentsOf(classIds: string[]): Promise<StudentStatus[]>;
  /** Whether the student is enrolled in a class the teacher teaches. */
  teaches(teacherId: string, studentId: string): Promise<boolean>;
  /** False when the student already has an open ticket. */
  insertTicket(ticket: Ticket): Promise<boolean>;
  ticket(id: string): Promise<Ticket | null>;
  ticketsByTeacher(teacherId: string, limit: number): Promise<Ticket[]>;
  openQueue(limit: number): Promise<QueueEntry[]>;
  /**
   * Decides an open ticket, in one transaction; when approved, also resets the account: password, challenge answers
   * and the claim cleared (history kept), failed-attempt counters removed, claimable at once. False when the ticket
   * was no longer open.
   */
  decide(id: string, decision: 'approved' | 'rejected', actorId: string, note: string | null, now: number, counterKeys: string[]): Promise<boolean>;
}
