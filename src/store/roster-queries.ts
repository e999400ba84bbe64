import { sql, type Kysely } from 'kysely';
import type { Database } from './tables.js';

export interface RosterPerson {
  accountId: string;
  username: string;
  givenName: string;
  familyName: string;
  grade: string | null;
}

/** Read side for the staff and admin areas: who is in a teacher's classes, who is at a school. */
export class SqlRosterQueries {
  constructor(private readonly db: Kysely<Database>) {}

  /** Active students enrolled in the active classes a teacher (by account id) teaches. */
  async studentsOfTeacher(teacherAccountId: string): Promise<(RosterPerson & { classId: string })[]> {
    const rows = await sql<{ account_id: string; username: string; given_name: string; family_name: string; grade: string | null; class_id: string }>`
      SELECT a.id AS account_id, a.username, a.given_name, a.family_name, a.grade, s.class_id
      FROM roster_users t
      JOIN roster_enrollments te ON te.user_id = t.sourced_id AND te.role = 'teacher'
      JOIN roster_classes c ON c.sourced_id = te.class_id AND c.status = 'active'
      JOIN roster_enrollments s ON s.class_id = te.class_id AND s.role = 'student'
      JOIN roster_users su ON su.sourced_id = s.user_id
      JOIN accounts a ON a.id = su.account_id AND a.status = 'active'
      WHERE t.account_id = ${teacherAccountId}
      ORDER BY a.family_name, a.given_name, s.class_id`.execute(this.db);
    return rows.rows.map((r) => ({ accountId: r.account_id, username: r.username, givenName: r.given_name, familyName: r.family_name, grade: r.grade, classId: r.class_id }));
  }

  /** Active students of a school (by org sourcedId). */
  async studentsOfSchool(schoolId: string): Promise<RosterPerson[]> {
    const rows = await this.db
      .selectFrom('account_schools')
      .innerJoin('accounts', 'accounts.id', 'account_schools.account_id')
      .innerJoin('account_roles', (join) => join.onRef('account_roles.account_id', '=', 'accounts.id').on('account_roles.role', '=', 'student'))
      .select(['accounts.id', 'accounts.username', 'accounts.given_name', 'accounts.family_name', 'accounts.grade'])
      .where('account_schools.school_id', '=', schoolId)
      .where('accounts.status', '=', 'active')
      .orderBy('accounts.family_name')
      .orderBy('accounts.given_name')
      .execute();
    return rows.map((r) => ({ accountId: r.id, username: r.username, givenName: r.given_name, familyName: r.family_name, grade: r.grade }));
  }

  /** Classes of an account (teacher or student), by account id. */
  async classesOf(accountId: string): Promise<{ classId: string; title: string; role: string; schoolId: string }[]> {
    const rows = await sql<{ class_id: string; title: string; role: string; school_id: string }>`
      SELECT c.sourced_id AS class_id, c.title, e.role, c.school_id
      FROM roster_users u
      JOIN roster_enrollments e ON e.user_id = u.sourced_id
      JOIN roster_classes c ON c.sourced_id = e.class_id AND c.status = 'active'
      WHERE u.account_id = ${accountId}
      ORDER BY c.title`.execute(this.db);
    return rows.rows.map((r) => ({ classId: r.class_id, title: r.title, role: r.role, schoolId: r.school_id }));
  }
}
