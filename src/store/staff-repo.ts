import { sql, type Kysely, type Selectable } from 'kysely';
import type { ClassSummary, QueueEntry, StaffStore, StudentStatus, Ticket, TicketStatus } from '../staff/ports.js';
import { STUDENT_COLUMNS, studentIdentity } from './student-row.js';
import type { Database, ResetTicketsTable } from './tables.js';

const TEACHING_ROLES = ['teacher', 'aide'];

function toTicket(row: Selectable<ResetTicketsTable>): Ticket {
  return {
    id: row.id,
    accountId: row.account_id,
    teacherId: row.teacher_id,
    reason: row.reason,
    status: row.status as TicketStatus,
    note: row.note,
    createdAt: Number(row.created_at),
    decidedAt: row.decided_at === null ? null : Number(row.decided_at),
    decidedBy: row.decided_by,
  };
}

/** Teachers' class lists and reset tickets, from the roster's classes and enrollments. */
export class SqlStaffStore implements StaffStore {
  constructor(private readonly db: Kysely<Database>) {}

  async teacherClasses(teacherId: string): Promise<ClassSummary[]> {
    const rows = await this.db
      .selectFrom('roster_users as ru')
      .innerJoin('roster_enrollments as e', 'e.user_id', 'ru.sourced_id')
      .innerJoin('roster_classes as c', 'c.sourced_id', 'e.class_id')
      .leftJoin('schools as s', 's.id', 'c.school_id')
      .select(['c.sourced_id as classId', 'c.title as title', 's.name as schoolName'])
      .where('ru.account_id', '=', teacherId)
      .where('e.role', 'in', TEACHING_ROLES)
      .where('c.status', '!=', 'tobedeleted')
      .distinct()
      .orderBy('c.title')
      .execute();
    return rows.map((r) => ({ classId: r.classId, title: r.title, schoolName: r.schoolName ?? null }));
  }

  async studentsOf(classIds: string[]): Promise<StudentStatus[]> {
    if (classIds.length === 0) return [];
    const rows = await this.db
      .selectFrom('roster_enrollments as e')
      .innerJoin('roster_users as ru', 'ru.sourced_id', 'e.user_id')
      .innerJoin('accounts as a', 'a.id', 'ru.account_id')
      .leftJoin('throttle_counters as lt', (join) => join.on('lt.key', '=', sql<string>`'login:account:' || a.username_key`))
      .leftJoin('throttle_counters as rt', (join) => join.on('rt.key', '=', sql<string>`'recovery:account:' || a.username_key`))
      .leftJoin('reset_tickets as t', (join) => join.onRef('t.account_id', '=', 'a.id').on('t.status', '=', 'open'))
      .select([
        'e.class_id as classId',
        ...STUDENT_COLUMNS,
        'a.status',
        'a.last_login_at',
        'lt.count as loginCount',
        'lt.window_start as loginStart',
        'rt.count as recoveryCount',
        'rt.window_start as recoveryStart',
        't.id as ticketId',
      ])
      .where('e.class_id', 'in', classIds)
      .where('e.role', '=', 'student')
      .orderBy('a.family_name')
      .orderBy('a.given_name')
      .execute();
    return rows.map((r) => ({
      classId: r.classId,
      ...studentIdentity(r),
      status: r.status,
      lastLoginAt: r.last_login_at === null ? null : Number(r.last_login_at),
      loginCounter: r.loginCount === null ? null : { count: Number(r.loginCount), windowStart: Number(r.loginStart) },
      recoveryCounter: r.recoveryCount === null ? null : { count: Number(r.recoveryCount), windowStart: Number(r.recoveryStart) },
      openTicketId: r.ticketId ?? null,
    }));
  }

  async teaches(teacherId: string, studentId: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('roster_users as tu')
      .innerJoin('roster_enrollments as te', 'te.user_id', 'tu.sourced_id')
      .innerJoin('roster_classes as c', 'c.sourced_id', 'te.class_id')
      .innerJoin('roster_enrollments as se', 'se.class_id', 'te.class_id')
      .innerJoin('roster_users as su', 'su.sourced_id', 'se.user_id')
      .select(sql<number>`1`.as('yes'))
      .where('tu.account_id', '=', teacherId)
      .where('te.role', 'in', TEACHING_ROLES)
      .where('c.status', '!=', 'tobedeleted')
      .where('se.role', '=', 'student')
      .where('su.account_id', '=', studentId)
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }

  async insertTicket(ticket: Ticket): Promise<boolean> {
    const result = await this.db
      .insertInto('reset_tickets')
      .values({
        id: ticket.id,
        account_id: ticket.accountId,
        teacher_id: ticket.teacherId,
        reason: ticket.reason,
        status: ticket.status,
        note: ticket.note,
        created_at: ticket.createdAt,
        decided_at: ticket.decidedAt,
        decided_by: ticket.decidedBy,
      })
      // The conflict target must repeat the partial index's condition literally (SQLite matches it as written).
      .onConflict((oc) => oc.column('account_id').where(sql.ref('status'), '=', sql.lit('open')).doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
  }

  async ticket(id: string): Promise<Ticket | null> {
    const row = await this.db.selectFrom('reset_tickets').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toTicket(row) : null;
  }

  async ticketsByTeacher(teacherId: string, limit: number): Promise<Ticket[]> {
    const rows = await this.db.selectFrom('reset_tickets').selectAll().where('teacher_id', '=', teacherId).orderBy('created_at', 'desc').limit(limit).execute();
    return rows.map(toTicket);
  }

  async openQueue(limit: number): Promise<QueueEntry[]> {
    const rows = await this.db
      .selectFrom('reset_tickets as t')
      .innerJoin('accounts as s', 's.id', 't.account_id')
      .innerJoin('accounts as teacher', 'teacher.id', 't.teacher_id')
      .selectAll('t')
      .select(['s.username as studentUsername', 's.given_name as sGiven', 's.family_name as sFamily', 'teacher.given_name as tGiven', 'teacher.family_name as tFamily'])
      .where('t.status', '=', 'open')
      .orderBy('t.created_at')
      .limit(limit)
      .execute();
    const ids = rows.map((r) => r.account_id);
    const schools = ids.length
      ? await this.db
          .selectFrom('account_schools as x')
          .innerJoin('schools as s', 's.id', 'x.school_id')
          .select(['x.account_id', 's.name'])
          .where('x.account_id', 'in', ids)
          .execute()
      : [];
    return rows.map((r) => ({
      ...toTicket(r),
      studentUsername: r.studentUsername,
      studentName: `${r.sGiven} ${r.sFamily}`,
      schoolNames: schools.filter((s) => s.account_id === r.account_id).map((s) => s.name),
      teacherName: `${r.tGiven} ${r.tFamily}`,
    }));
  }

  async decide(id: string, decision: 'approved' | 'rejected', actorId: string, note: string | null, now: number, counterKeys: string[]): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const ticket = await trx.selectFrom('reset_tickets').select(['account_id']).where('id', '=', id).where('status', '=', 'open').executeTakeFirst();
      if (!ticket) return false;
      const decided = await trx
        .updateTable('reset_tickets')
        .set({ status: decision, note, decided_at: now, decided_by: actorId })
        .where('id', '=', id)
        .where('status', '=', 'open')
        .executeTakeFirst();
      if (Number(decided.numUpdatedRows) !== 1) return false;
      if (decision === 'approved') {
        await trx
          .updateTable('accounts')
          .set({ password_hash: null, password_changed_at: null, claimed_at: null, claimable_at: now, updated_at: now })
          .where('id', '=', ticket.account_id)
          .execute();
        await trx.deleteFrom('challenge_answers').where('account_id', '=', ticket.account_id).execute();
        await trx.deleteFrom('picture_passwords').where('account_id', '=', ticket.account_id).execute();
        if (counterKeys.length) await trx.deleteFrom('throttle_counters').where('key', 'in', counterKeys).execute();
      }
      return true;
    });
  }
}
