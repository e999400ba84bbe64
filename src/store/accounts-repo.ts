import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type Selectable } from 'kysely';
import { usernameKey, type Account, type NewAccount, type Role, type School } from '../accounts/account.js';
import type { AccountStore } from '../accounts/ports.js';
import { prepared } from './prepared.js';
import type { AccountsTable, Database } from './tables.js';

export class SqlAccountStore implements AccountStore {
  private async hydrate(rows: Selectable<AccountsTable>[]): Promise<Account[]> {
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.id);
    const [roles, schools] = await Promise.all([
      this.db.selectFrom('account_roles').select(['account_id', 'role']).where('account_id', 'in', ids).execute(),
      this.db
        .selectFrom('account_schools')
        .innerJoin('schools', 'schools.id', 'account_schools.school_id')
        .select(['account_schools.account_id', 'schools.id', 'schools.name'])
        .where('account_schools.account_id', 'in', ids)
        .orderBy('schools.name')
        .execute(),
    ]);
    return rows.map((row) =>
      toAccount(
        row,
        roles.filter((r) => r.account_id === row.id).map((r) => r.role),
        schools.filter((s) => s.account_id === row.id),
      ),
    );
  }

  /**
   * One account with its roles and schools in a single statement (a sign-in reads an account three times; on
   * PostgreSQL each statement is a round trip), compiled once (see prepared()). The joins give one row per role and
   * school pair: a handful at most.
   */
  private readonly findOneBy;
  private readonly recordLoginQuery;

  constructor(private readonly db: Kysely<Database>) {
    const findOne = (column: 'id' | 'username_key') =>
      prepared(db, ['value'], (p) =>
        db
          .selectFrom('accounts')
          .leftJoin('account_roles', 'account_roles.account_id', 'accounts.id')
          // Plain joins, not a subquery: SQLite cannot flatten a joined subquery on the right of a LEFT JOIN, so it
          // built the whole account_schools × schools table on every read (a million rows in a large district).
          .leftJoin('account_schools', 'account_schools.account_id', 'accounts.id')
          .leftJoin('schools', 'schools.id', 'account_schools.school_id')
          .selectAll('accounts')
          .select(['account_roles.role', 'schools.id as school_id', 'schools.name as school_name'])
          .where(`accounts.${column}`, '=', p.value)
          .orderBy('schools.name'),
      );
    this.findOneBy = { id: findOne('id'), username_key: findOne('username_key') };
    // first_login_at is written once (the readiness dashboard's "signed in at least once", and its date).
    this.recordLoginQuery = prepared(db, ['at', 'id'], (p) =>
      db
        .updateTable('accounts')
        .set({ last_login_at: p.at, first_login_at: sql<number>`coalesce(first_login_at, ${p.at})` })
        .where('id', '=', p.id),
    );
  }

  private async findOne(column: 'id' | 'username_key', value: string): Promise<Account | null> {
    const { rows } = await this.findOneBy[column]({ value });
    if (rows.length === 0) return null;
    const roles = new Set<string>();
    const schools = new Map<string, string>();
    for (const row of rows) {
      if (row.role !== null) roles.add(row.role);
      if (row.school_id !== null) schools.set(row.school_id, row.school_name!);
    }
    return toAccount(
      rows[0],
      [...roles],
      [...schools].map(([id, name]) => ({ id, name })),
    );
  }

  async findByUsername(username: string): Promise<Account | null> {
    return this.findOne('username_key', usernameKey(username));
  }

  async findById(id: string): Promise<Account | null> {
    return this.findOne('id', id);
  }

  async create(input: NewAccount): Promise<Account> {
    const id = randomUUID();
    const now = Date.now();
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('accounts')
        .values({
          id,
          username: input.username.trim(),
          username_key: usernameKey(input.username),
          given_name: input.givenName,
          family_name: input.familyName,
          email: input.email ?? null,
          student_id: input.studentId ?? null,
          grade: input.grade ?? null,
          status: 'active',
          password_hash: input.passwordHash ?? null,
          password_changed_at: input.passwordHash ? now : null,
          claimed_at: input.passwordHash ? now : null,
          claimable_at: null,
          last_login_at: null,
          created_at: now,
          updated_at: now,
        })
        .execute();
      const roles = [...new Set(input.roles)];
      if (roles.length)
        await trx
          .insertInto('account_roles')
          .values(roles.map((role) => ({ account_id: id, role })))
          .execute();
      for (const school of input.schools ?? []) {
        await trx
          .insertInto('schools')
          .values(school)
          .onConflict((oc) => oc.column('id').doUpdateSet({ name: school.name }))
          .execute();
        await trx.insertInto('account_schools').values({ account_id: id, school_id: school.id }).execute();
      }
      if (input.passwordHash) {
        await trx.insertInto('password_history').values({ id: randomUUID(), account_id: id, password_hash: input.passwordHash, created_at: now }).execute();
      }
    });
    return (await this.findById(id))!;
  }

  async setPassword(id: string, hash: string): Promise<void> {
    const now = Date.now();
    await this.db.transaction().execute(async (trx) => {
      await trx.updateTable('accounts').set({ password_hash: hash, password_changed_at: now, updated_at: now }).where('id', '=', id).execute();
      await trx.insertInto('password_history').values({ id: randomUUID(), account_id: id, password_hash: hash, created_at: now }).execute();
    });
  }

  async upgradeHash(id: string, oldHash: string, newHash: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      // Only when nobody changed the password in between: a concurrent reset must win.
      const result = await trx
        .updateTable('accounts')
        .set({ password_hash: newHash, updated_at: Date.now() })
        .where('id', '=', id)
        .where('password_hash', '=', oldHash)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) === 1) {
        await trx.updateTable('password_history').set({ password_hash: newHash }).where('account_id', '=', id).where('password_hash', '=', oldHash).execute();
      }
    });
  }

  async grantRole(id: string, role: Role): Promise<void> {
    await this.db
      .insertInto('account_roles')
      .values({ account_id: id, role })
      .onConflict((oc) => oc.columns(['account_id', 'role']).doNothing())
      .execute();
  }

  async recordLogin(id: string, at: number): Promise<void> {
    await this.recordLoginQuery({ at, id });
  }

  async passwordHistory(id: string): Promise<string[]> {
    const rows = await this.db.selectFrom('password_history').select('password_hash').where('account_id', '=', id).orderBy('created_at', 'desc').execute();
    return rows.map((r) => r.password_hash);
  }

  async count(): Promise<number> {
    const row = await this.db
      .selectFrom('accounts')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async list(options: { limit?: number } = {}): Promise<Account[]> {
    const rows = await this.db
      .selectFrom('accounts')
      .selectAll()
      .orderBy('username_key')
      .limit(options.limit ?? 1000)
      .execute();
    return this.hydrate(rows);
  }
}

function toAccount(row: Selectable<AccountsTable>, roles: string[], schools: School[]): Account {
  return {
    id: row.id,
    username: row.username,
    givenName: row.given_name,
    familyName: row.family_name,
    email: row.email,
    studentId: row.student_id,
    grade: row.grade,
    status: row.status,
    passwordHash: row.password_hash,
    claimedAt: row.claimed_at,
    claimableAt: row.claimable_at,
    lastLoginAt: row.last_login_at,
    roles: (roles as Role[]).sort(),
    schools: schools.map((s) => ({ id: s.id, name: s.name })),
    secondFactor: Number(row.second_factor) === 1,
  };
}
