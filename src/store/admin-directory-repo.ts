import type { Role } from '../accounts/account.js';
import type { Kysely } from 'kysely';
import type { Database } from './tables.js';

/** Lookups the console's forms need: the district's schools, and which challenge questions people already chose. */
export class SqlAdminDirectory {
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
      this.db.selectFrom('oidc_clients').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow(),
      this.db.selectFrom('help_links').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { apps: Number(apps.n), helpLinks: Number(links.n) };
  }
}
