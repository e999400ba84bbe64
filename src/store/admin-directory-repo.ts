import { type ExpressionBuilder, type Kysely, sql } from 'kysely';
import type { Role } from '../accounts/account.js';
import type { EmailTemplates } from '../accounts/email.js';
import type { AccountWithoutEmail, EmailDirectory } from '../admin/ports.js';
import type { Database } from './tables.js';

type WithoutEmailExpression = ExpressionBuilder<Database & { a: Database['accounts']; s: Database['account_roles']; t: Database['account_roles'] }, 'a' | 's' | 't'>;

/** Lookups the console's forms need: the district's schools, and which challenge questions people already chose. */
export class SqlAdminDirectory implements EmailDirectory {
  constructor(private readonly db: Kysely<Database>) {}

  async schools(): Promise<{ id: string; name: string }[]> {
    return this.db.selectFrom('schools').select(['id', 'name']).orderBy('name').orderBy('id').execute();
  }

  async questionsInUse(ids: string[]): Promise<Set<string>> {
    if (!ids.length) return new Set();
    const rows = await this.db.selectFrom('challenge_answers').select('question_id').distinct().where('question_id', 'in', ids).execute();
    return new Set(rows.map((r) => r.question_id));
  }

  /** Roles held by at least one student account (student itself included). */
  async rolesWithStudents(): Promise<Set<Role>> {
    const rows = await this.db
      .selectFrom('account_roles as r')
      .select('r.role')
      .distinct()
      .where('r.account_id', 'in', (eb) => eb.selectFrom('account_roles').select('account_id').where('role', '=', 'student'))
      .execute();
    return new Set<Role>(['student', ...rows.map((r) => r.role as Role)]);
  }

  /** Small tables only: the audit log can hold millions of rows, and counting them on every visit would cost. */
  async counts(): Promise<{ apps: number; helpLinks: number }> {
    const [apps, links] = await Promise.all([
      this.db
        .selectFrom('oidc_clients')
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow(),
      this.db
        .selectFrom('help_links')
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow(),
    ]);
    return { apps: Number(apps.n), helpLinks: Number(links.n) };
  }

  async withoutEmail(templates: EmailTemplates, page: { offset: number; limit: number }): Promise<{ total: number; rows: AccountWithoutEmail[] }> {
    const base = this.db
      .selectFrom('accounts as a')
      .leftJoin('account_roles as s', (join) => join.onRef('s.account_id', '=', 'a.id').on('s.role', '=', 'student'))
      .leftJoin('account_roles as t', (join) => join.onRef('t.account_id', '=', 'a.id').on('t.role', '=', 'teacher'))
      // Literals, not parameters: the index accounts_without_email is used only when the query repeats its condition.
      .where(sql<boolean>`a.status = 'active' and (a.email is null or a.email = '')`)
      .where((eb) => withoutTemplateAddress(eb, templates));
    const [count, accounts] = await Promise.all([
      base.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow(),
      base.select(['a.id', 'a.username', 'a.given_name', 'a.family_name']).orderBy('a.username_key').offset(page.offset).limit(page.limit).execute(),
    ]);
    const roles = accounts.length
      ? await this.db
          .selectFrom('account_roles')
          .select(['account_id', 'role'])
          .where(
            'account_id',
            'in',
            accounts.map((a) => a.id),
          )
          .orderBy('role')
          .execute()
      : [];
    return {
      total: Number(count.n),
      rows: accounts.map((a) => ({
        id: a.id,
        username: a.username,
        givenName: a.given_name,
        familyName: a.family_name,
        roles: roles.filter((r) => r.account_id === a.id).map((r) => r.role as Role),
      })),
    };
  }

  async rosterEmailsOutside(domain: string): Promise<number> {
    const lower = domain.toLowerCase();
    const row = await this.db
      .selectFrom('accounts')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('status', '=', 'active')
      .where('email', 'is not', null)
      .where('email', '!=', '')
      .where((eb) => eb.and([eb(eb.fn('lower', ['email']), 'not like', `%@${lower}`), eb(eb.fn('lower', ['email']), 'not like', `%.${lower}`)]))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }
}

/**
 * The accounts to which accountEmail() gives no template address: it picks the student template for students, else
 * the teacher one for teachers, else the staff one; a template with {studentId} needs a student ID. Each role's test
 * is settled here when the template settles it, so the database only evaluates what can differ from row to row.
 */
function withoutTemplateAddress(eb: WithoutEmailExpression, templates: EmailTemplates) {
  const isStudent = eb('s.account_id', 'is not', null);
  const notStudent = eb('s.account_id', 'is', null);
  const isTeacher = eb('t.account_id', 'is not', null);
  const notTeacher = eb('t.account_id', 'is', null);
  const branches = [
    [[isStudent], templates.student],
    [[notStudent, isTeacher], templates.teacher],
    [[notStudent, notTeacher], templates.staff],
  ] as const;
  const uncovered = branches.flatMap(([who, template]) => {
    if (!template) return [eb.and([...who])];
    if (template.includes('{studentId}')) return [eb.and([...who, eb('a.student_id', 'is', null)])];
    return [];
  });
  if (!templates.student && !templates.teacher && !templates.staff) return sql<boolean>`1 = 1`;
  return uncovered.length ? eb.or(uncovered) : sql<boolean>`1 = 0`;
}
