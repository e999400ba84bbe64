import type { Kysely } from 'kysely';
import type { LetterClass, LetterSchool, LetterStore, LetterStudent } from '../letters/ports.js';
import { STUDENT_COLUMNS, studentIdentity, type StudentRow } from './student-row.js';
import type { Database } from './tables.js';

/** The students a school's or a class's letters are printed for. */
export class SqlLetterStore implements LetterStore {
  constructor(private readonly db: Kysely<Database>) {}

  async school(idOrIdentifier: string): Promise<LetterSchool | null> {
    const rows = await this.db
      .selectFrom('schools')
      .select(['id', 'name'])
      .where((eb) => eb.or([eb('id', '=', idOrIdentifier), eb('identifier', '=', idOrIdentifier)]))
      .execute();
    // A sourcedId that is also another school's identifier: the sourcedId wins.
    return rows.find((r) => r.id === idOrIdentifier) ?? rows[0] ?? null;
  }

  async class(id: string): Promise<LetterClass | null> {
    const row = await this.db
      .selectFrom('roster_classes')
      .select(['sourced_id', 'title', 'school_id'])
      .where('sourced_id', '=', id)
      .where('status', '!=', 'tobedeleted')
      .executeTakeFirst();
    return row ? { id: row.sourced_id, title: row.title, schoolId: row.school_id } : null;
  }

  async students(schoolId: string, classId: string | null): Promise<LetterStudent[]> {
    let query = this.db
      .selectFrom('accounts as a')
      .innerJoin('account_roles as r', (join) => join.onRef('r.account_id', '=', 'a.id').on('r.role', '=', 'student'))
      .innerJoin('account_schools as s', (join) => join.onRef('s.account_id', '=', 'a.id').on('s.school_id', '=', schoolId))
      .leftJoin('home_languages as l', 'l.account_id', 'a.id')
      .select([...STUDENT_COLUMNS, 'a.claimable_at', 'l.language'])
      .where('a.status', '=', 'active');
    if (classId !== null) {
      query = query.where((eb) =>
        eb.exists(
          eb
            .selectFrom('roster_enrollments as e')
            .innerJoin('roster_users as ru', 'ru.sourced_id', 'e.user_id')
            .select('e.id')
            .whereRef('ru.account_id', '=', 'a.id')
            .where('e.class_id', '=', classId)
            .where('e.role', '=', 'student'),
        ),
      );
    }
    const rows = await query.orderBy('a.family_name').orderBy('a.given_name').orderBy('a.username').execute();
    return rows.map(letterStudent);
  }

  async student(accountId: string): Promise<LetterStudent | null> {
    const row = await this.db
      .selectFrom('accounts as a')
      .leftJoin('home_languages as l', 'l.account_id', 'a.id')
      .select([...STUDENT_COLUMNS, 'a.claimable_at', 'l.language'])
      .where('a.id', '=', accountId)
      .executeTakeFirst();
    return row ? letterStudent(row) : null;
  }
}

function letterStudent(r: StudentRow & { claimable_at: unknown; language: string | null }): LetterStudent {
  return {
    ...studentIdentity(r),
    claimableAt: r.claimable_at === null ? null : Number(r.claimable_at),
    homeLanguage: r.language ?? null,
  };
}
