import { type ExpressionBuilder, type Kysely, sql } from 'kysely';
import type { Role } from '../accounts/account.js';
import type { EmailTemplates } from '../accounts/email.js';
import type { AccountWithoutEmail, EmailDirectory } from '../admin/ports.js';
import type { Database } from './tables.js';

type AccountsExpression = ExpressionBuilder<Database & { a: Database['accounts'] }, 'a'>;

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

  /** Small tables only: the audit log can hold millions of rows, and counting them on every visit would cost. */
  async counts(): Promise<{ apps: number; helpLinks: number }> {
    const [apps, links] = await Promise.all([
      this.db.selectFrom('oidc_clients').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow(),
      this.db.selectFrom('help_links').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { apps: Number(apps.n), helpLinks: Number(links.n) };
  }

  async withoutEmail(templates: EmailTemplates, page: { offset: number; limit: number }): Promise<{ total: number; rows: AccountWithoutEmail[] }> {
    const base = this.db
      .selectFrom('accounts as a')
      .where('a.status', '=', 'active')
      .where((eb) => eb.or([eb('a.email', 'is', null), eb('a.email', '=', '')]))
      .where((eb) => withoutTemplateAddress(eb, templates));
    const [count, accounts] = await Promise.all([
      base.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow(),
      base.select(['a.id', 'a.username', 'a.given_name', 'a.family_name']).orderBy('a.username_key').offset(page.offset).limit(page.limit).execute(),
    ]);
    const roles = accounts.length
      ? await this.db.selectFrom('account_roles').select(['account_id', 'role']).where('account_id', 'in', accounts.map((a) => a.id)).orderBy('role').execute()
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
 * the teacher one for teachers, else the staff one; a template with {studentId} needs a student ID.
 */
function withoutTemplateAddress(eb: AccountsExpression, templates: EmailTemplates) {
  const hasRole = (role: Role) => eb.exists(eb.selectFrom('account_roles as r').select(sql.lit(1).as('one')).whereRef('r.account_id', '=', 'a.id').where('r.role', '=', role));
  const uncovered = (template: string | undefined) => (!template ? sql<boolean>`1 = 1` : template.includes('{studentId}') ? eb('a.student_id', 'is', null) : sql<boolean>`1 = 0`);
  const student = hasRole('student');
  const teacher = hasRole('teacher');
  return eb.or([
    eb.and([student, uncovered(templates.student)]),
    eb.and([eb.not(student), teacher, uncovered(templates.teacher)]),
    eb.and([eb.not(student), eb.not(teacher), uncovered(templates.staff)]),
  ]);
}
