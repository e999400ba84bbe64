import { type Expression, type Kysely, PostgresAdapter, type RawBuilder, sql } from 'kysely';
import type { Role } from '../accounts/account.js';
import type { AccountDirectory, AccountHit, AccountQuery } from '../admin/ports.js';
import type { Database } from './tables.js';

/** Above every code point a name can hold: `prefix + LAST` bounds the names that start with `prefix`. */
const LAST = '\u{10FFFF}';

const COLUMNS = ['a.id', 'a.username', 'a.given_name', 'a.family_name', 'a.student_id', 'a.grade', 'a.status'] as const;

/**
 * The console's account search. Each part uses an index: username_key (unique), accounts_student_key for student
 * numbers, and accounts_name_key (022) for names, read as a range from the typed beginning to that beginning followed
 * by the last code point, in the index's own order, so a page costs its rows whatever the number of accounts.
 */
export class SqlAccountDirectory implements AccountDirectory {
  private readonly family: RawBuilder<string>;
  private readonly given: RawBuilder<string>;

  constructor(private readonly db: Kysely<Database>) {
    // Written exactly as in migration 022, or the index is not used.
    const byCodePoint = db.getExecutor().adapter instanceof PostgresAdapter ? sql` collate "C"` : sql``;
    this.family = sql<string>`lower(a.family_name)${byCodePoint}`;
    this.given = sql<string>`lower(a.given_name)${byCodePoint}`;
  }

  async exact(query: AccountQuery): Promise<AccountHit[]> {
    const byUsername = this.db.selectFrom('accounts as a').select(COLUMNS).where('a.username_key', '=', query.usernameKey);
    const rows = await (
      query.studentKey
        ? byUsername.union(
            this.db
              .selectFrom('accounts as a')
              .select(COLUMNS)
              .where(sql`lower(ltrim(a.student_id, '0'))`, '=', query.studentKey),
          )
        : byUsername
    )
      .limit(10)
      .execute();
    return this.withRolesAndSchools(rows);
  }

  async byName(query: AccountQuery, page: { offset: number; limit: number }): Promise<AccountHit[]> {
    if (!query.names.length) return [];
    const rows = await this.db
      .selectFrom('accounts as a')
      .select(COLUMNS)
      .where((eb) => eb.or(query.names.map(({ family, given }) => eb.and([startsWith(this.family, family), ...(given ? [startsWith(this.given, given)] : [])]))))
      .orderBy(this.family)
      .orderBy(this.given)
      .orderBy('a.id')
      .offset(page.offset)
      .limit(page.limit + 1)
      .execute();
    return this.withRolesAndSchools(rows);
  }

  private async withRolesAndSchools(
    rows: { id: string; username: string; given_name: string; family_name: string; student_id: string | null; grade: string | null; status: 'active' | 'disabled' }[],
  ): Promise<AccountHit[]> {
    const ids = rows.map((r) => r.id);
    const [roles, schools] = ids.length
      ? await Promise.all([
          this.db.selectFrom('account_roles').select(['account_id', 'role']).where('account_id', 'in', ids).orderBy('role').execute(),
          this.db
            .selectFrom('account_schools as x')
            .innerJoin('schools as s', 's.id', 'x.school_id')
            .select(['x.account_id', 's.name'])
            .where('x.account_id', 'in', ids)
            .orderBy('s.name')
            .execute(),
        ])
      : [[], []];
    return rows.map((r) => ({
      id: r.id,
      username: r.username,
      givenName: r.given_name,
      familyName: r.family_name,
      studentId: r.student_id,
      grade: r.grade,
      status: r.status,
      roles: roles.filter((x) => x.account_id === r.id).map((x) => x.role as Role),
      schools: schools.filter((x) => x.account_id === r.id).map((x) => x.name),
    }));
  }
}

/** `column` starts with `prefix` (lower-cased by the database as the column is), as an index range. */
function startsWith(column: Expression<string>, prefix: string): RawBuilder<boolean> {
  const lowered = prefix.toLowerCase();
  return sql<boolean>`(${column} >= lower(${lowered}) and ${column} < lower(${lowered + LAST}))`;
}
