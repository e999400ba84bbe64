import type { Kysely } from 'kysely';
import type { Services } from '../../src/services.js';
import type { Database } from '../../src/store/tables.js';

/**
 * A small district whose figures are worked out by hand (readiness.test.ts checks every one of them):
 *
 *   school A "École Côté-Nord"              school B 'Hillcrest, "North" Campus'
 *   s1 Léa Côté     04 claimed D-3, in D-2    s6 Zoé Dubé   04 signed in D-4, then reset (not claimed)
 *   s2 Noah Tremblay 04 claimed D-1           s7 Kwame Mensah 04 claimed D-2, in D-1
 *   s3 Max =SUM(A1)  05 nothing               s8 Mei Wang   05 claimed D-1, in today
 *   s4 Ana García    05 claimed D-5, in D-5    s9 Jean-Luc Bouchard 05, in schools A and B, nothing
 *   s5 Sofía Martínez 05 disabled (never counted)
 *   s10 Siobhán Ó Briain: no school, no grade, claimed on an unknown date, never signed in
 *
 *   classes: A "Homeroom 4 – Ms Rivera" (homeroom: s1 s2), A 'Science 5, "Lab"' (s3 s4 s5 s9; Mr Nakamura),
 *            B "Homeroom B – Mr Diallo" (homeroom: s6 s7 s8 s9)
 *
 * Active students: 9. District: claimed 6, signed in at least once 5, ready 4 (s1 s4 s7 s8), not ready 5.
 */
export const PASSWORD = { admin: 'Readiness-Admin-2026', rivera: 'Readiness-Rivera-2026', nakamura: 'Readiness-Nakamura-2026', diallo: 'Readiness-Diallo-2026' };
export const SCHOOL_A = { id: 'sch-a', name: 'École Côté-Nord' };
export const SCHOOL_B = { id: 'sch-b', name: 'Hillcrest, "North" Campus' };

export const DAY = 86_400_000;

export interface Fixture {
  ids: Record<string, string>;
  /** Noon UTC of today minus `days`. */
  noon(days: number): number;
  today: string;
}

function dateOf(at: number): string {
  return new Date(at).toISOString().slice(0, 10);
}

export async function buildDistrict(services: Services): Promise<Fixture> {
  const db = services.store.db as Kysely<Database>;
  const now = Date.now();
  const midnight = Date.parse(`${dateOf(now)}T00:00:00Z`);
  const noon = (days: number) => midnight - days * DAY + 12 * 3_600_000;
  const ids: Record<string, string> = {};

  const hash = (password: string) => services.hasher.hash(password);
  const admin = await services.accounts.create({ username: 'dana', givenName: 'Dana', familyName: 'Okafor', roles: ['admin'], passwordHash: await hash(PASSWORD.admin) });
  ids.admin = admin.id;
  const teachers: [string, string, string, string, string][] = [
    ['rivera', 'María', 'Rivera', PASSWORD.rivera, SCHOOL_A.id],
    ['nakamura', 'Kenji', 'Nakamura', PASSWORD.nakamura, SCHOOL_A.id],
    ['diallo', 'Amadou', 'Diallo', PASSWORD.diallo, SCHOOL_B.id],
  ];
  for (const [username, given, family, password, school] of teachers) {
    const account = await services.accounts.create({
      username,
      givenName: given,
      familyName: family,
      roles: ['teacher'],
      passwordHash: await hash(password),
      schools: [school === SCHOOL_A.id ? SCHOOL_A : SCHOOL_B],
    });
    ids[username] = account.id;
  }

  const students: [string, string, string, string | null, { id: string; name: string }[]][] = [
    ['s1', 'Léa', 'Côté', '04', [SCHOOL_A]],
    ['s2', 'Noah', 'Tremblay', '04', [SCHOOL_A]],
    ['s3', 'Max', '=SUM(A1)', '05', [SCHOOL_A]],
    ['s4', 'Ana', 'García', '05', [SCHOOL_A]],
    ['s5', 'Sofía', 'Martínez', '05', [SCHOOL_A]],
    ['s6', 'Zoé', 'Dubé', '04', [SCHOOL_B]],
    ['s7', 'Kwame', 'Mensah', '04', [SCHOOL_B]],
    ['s8', 'Mei', 'Wang', '05', [SCHOOL_B]],
    ['s9', 'Jean-Luc', 'Bouchard', '05', [SCHOOL_A, SCHOOL_B]],
    ['s10', 'Siobhán', 'Ó Briain', null, []],
  ];
  for (const [key, given, family, grade, schools] of students) {
    const number = String(200_000 + Number(key.slice(1)));
    const account = await services.accounts.create({ username: `S0${number}`, givenName: given, familyName: family, studentId: number, grade, roles: ['student'], schools });
    ids[key] = account.id;
  }

  // Claim and sign-in states, with their dates.
  const state = async (
    key: string,
    values: Partial<{ password_hash: string | null; claimed_at: number | null; first_login_at: number | null; last_login_at: number | null; status: 'active' | 'disabled' }>,
  ) => {
    await db.updateTable('accounts').set(values).where('id', '=', ids[key]).execute();
  };
  const claimed = '$argon2id$v=19$m=19456,t=2,p=1$fixture$fixture';
  await state('s1', { password_hash: claimed, claimed_at: noon(3), first_login_at: noon(2), last_login_at: noon(2) });
  await state('s2', { password_hash: claimed, claimed_at: noon(1) });
  await state('s4', { password_hash: claimed, claimed_at: noon(5), first_login_at: noon(5) + 60_000, last_login_at: noon(5) + 60_000 });
  await state('s5', { password_hash: claimed, claimed_at: noon(5), first_login_at: noon(5), last_login_at: noon(5), status: 'disabled' });
  await state('s6', { first_login_at: noon(4), last_login_at: noon(4) });
  await state('s7', { password_hash: claimed, claimed_at: noon(2), first_login_at: noon(1), last_login_at: noon(1) });
  const inToday = Math.max(midnight + 1000, now - 1000);
  await state('s8', { password_hash: claimed, claimed_at: noon(1), first_login_at: inToday, last_login_at: inToday });
  await state('s10', { password_hash: claimed, claimed_at: null });

  // The roster's view: who is who, the classes, the enrollments.
  const rosterUser = (sourcedId: string, key: string, role: string, org: string, grade: string | null) => ({
    sourced_id: sourcedId,
    account_id: ids[key],
    role,
    identifier: sourcedId,
    user_ids: null,
    org_ids: org,
    grades: grade,
    enabled: 1,
    disabled_by_roster: 0,
    row_hash: 0,
    updated_at: now,
  });
  await db
    .insertInto('roster_users')
    .values([
      rosterUser('tch-rivera', 'rivera', 'teacher', SCHOOL_A.id, null),
      rosterUser('tch-nakamura', 'nakamura', 'teacher', SCHOOL_A.id, null),
      rosterUser('tch-diallo', 'diallo', 'teacher', SCHOOL_B.id, null),
      ...students.map(([key, , , grade, schools]) => rosterUser(`stu-${key}`, key, 'student', schools.map((s) => s.id).join(','), grade)),
    ])
    .execute();
  const klass = (id: string, title: string, school: string, type: string) => ({
    sourced_id: id,
    status: 'active',
    title,
    class_code: null,
    class_type: type,
    location: null,
    school_id: school,
    course_id: null,
    term_ids: null,
    grades: null,
    subjects: null,
    periods: null,
    row_hash: 0,
  });
  await db
    .insertInto('roster_classes')
    .values([
      klass('cls-a-hr4', 'Homeroom 4 – Ms Rivera', SCHOOL_A.id, 'homeroom'),
      klass('cls-a-sci5', 'Science 5, "Lab"', SCHOOL_A.id, 'scheduled'),
      klass('cls-b-hr', 'Homeroom B – Mr Diallo', SCHOOL_B.id, 'homeroom'),
    ])
    .execute();
  const enrollments: [string, string, string, string][] = [
    ['cls-a-hr4', 'tch-rivera', 'teacher', SCHOOL_A.id],
    ['cls-a-hr4', 'stu-s1', 'student', SCHOOL_A.id],
    ['cls-a-hr4', 'stu-s2', 'student', SCHOOL_A.id],
    ['cls-a-sci5', 'tch-nakamura', 'teacher', SCHOOL_A.id],
    ['cls-a-sci5', 'stu-s3', 'student', SCHOOL_A.id],
    ['cls-a-sci5', 'stu-s4', 'student', SCHOOL_A.id],
    ['cls-a-sci5', 'stu-s5', 'student', SCHOOL_A.id],
    ['cls-a-sci5', 'stu-s9', 'student', SCHOOL_A.id],
    ['cls-b-hr', 'tch-diallo', 'teacher', SCHOOL_B.id],
    ['cls-b-hr', 'stu-s6', 'student', SCHOOL_B.id],
    ['cls-b-hr', 'stu-s7', 'student', SCHOOL_B.id],
    ['cls-b-hr', 'stu-s8', 'student', SCHOOL_B.id],
    ['cls-b-hr', 'stu-s9', 'student', SCHOOL_B.id],
  ];
  await db
    .insertInto('roster_enrollments')
    .values(
      enrollments.map(([classId, userId, role, school]) => ({
        sourced_id: `enr-${classId}-${userId}`,
        class_id: classId,
        user_id: userId,
        school_id: school,
        role,
        is_primary: 0,
        begin_date: null,
        end_date: null,
        row_hash: 0,
      })),
    )
    .execute();
  return { ids, noon, today: dateOf(now) };
}
