import { sql, type Kysely } from 'kysely';
import { displayName, type Role } from '../accounts/account.js';
import type { AccountCounter, AttemptSource, CounterAccount, LockoutFlow, LockoutStore } from '../accounts/lockouts.js';
import { ACCOUNT_COUNTER_PREFIXES } from '../throttle/keys.js';
import type { Engine } from './database.js';
import type { Database } from './tables.js';

/** The audit events that record an attempt counted against an account, by flow. */
const COUNTED_EVENTS: Record<LockoutFlow, string[]> = {
  login: ['login.failed', 'login.throttled'],
  recovery: ['recovery.failed', 'recovery.locked'],
};

export class SqlLockoutStore implements LockoutStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly engine: Engine,
  ) {}

  /** A text field of audit_events.data (JSON). A literal, not a parameter: PostgreSQL matches GROUP BY by its text. */
  private dataField(name: 'username' | 'device') {
    return this.engine === 'sqlite' ? sql<string | null>`json_extract(e.data, ${sql.lit(`$.${name}`)})` : sql<string | null>`(e.data::json ->> ${sql.lit(name)})`;
  }

  async accountCounters(openSince: Record<LockoutFlow, number>, limit: number): Promise<AccountCounter[]> {
    const flows = Object.keys(ACCOUNT_COUNTER_PREFIXES) as LockoutFlow[];
    const rows = await this.db
      .selectFrom('throttle_counters')
      .select(['key', 'count', 'window_start'])
      .where('count', '>', 0)
      .where((eb) => eb.or(flows.map((flow) => eb.and([eb('key', 'like', `${ACCOUNT_COUNTER_PREFIXES[flow]}%`), eb('window_start', '>', openSince[flow])]))))
      .orderBy('count', 'desc')
      .orderBy('key')
      .limit(limit)
      .execute();
    return rows.map((row) => {
      const flow = flows.find((f) => row.key.startsWith(ACCOUNT_COUNTER_PREFIXES[f]))!;
      return { flow, usernameKey: row.key.slice(ACCOUNT_COUNTER_PREFIXES[flow].length), count: Number(row.count), windowStart: Number(row.window_start) };
    });
  }

  async accountsByUsername(usernameKeys: string[]): Promise<Map<string, CounterAccount>> {
    if (!usernameKeys.length) return new Map();
    const rows = await this.db
      .selectFrom('accounts as a')
      .leftJoin('account_roles as r', 'r.account_id', 'a.id')
      .select(['a.id', 'a.username', 'a.username_key', 'a.given_name', 'a.family_name', 'a.status', 'a.password_hash', 'r.role'])
      .where('a.username_key', 'in', usernameKeys)
      .orderBy('r.role')
      .execute();
    const accounts = new Map<string, CounterAccount>();
    for (const row of rows) {
      let account = accounts.get(row.username_key);
      if (!account) {
        account = {
          id: row.id,
          username: row.username,
          name: displayName({ givenName: row.given_name, familyName: row.family_name }),
          roles: [],
          claimed: row.password_hash !== null,
          active: row.status === 'active',
        };
        accounts.set(row.username_key, account);
      }
      if (row.role) account.roles.push(row.role as Role);
    }
    return accounts;
  }

  async attemptSources(counters: AccountCounter[]): Promise<AttemptSource[]> {
    const out: AttemptSource[] = [];
    for (const flow of Object.keys(COUNTED_EVENTS) as LockoutFlow[]) {
      const mine = counters.filter((c) => c.flow === flow);
      if (!mine.length) continue;
      const username = this.dataField('username');
      // Each counter's own window: attempts before it started were counted in an earlier one.
      const rows = await this.db
        .selectFrom('audit_events as e')
        .innerJoin('throttle_counters as c', (join) => join.on('c.key', '=', sql<string>`${sql.lit(ACCOUNT_COUNTER_PREFIXES[flow])} || ${username}`))
        .select([username.as('username'), 'e.ip', (eb) => eb.fn.countAll<number>().as('attempts'), (eb) => eb.fn.max('e.at').as('last_at')])
        .where('e.type', 'in', COUNTED_EVENTS[flow])
        .where('e.at', '>=', Math.min(...mine.map((c) => c.windowStart)))
        .where(
          'c.key',
          'in',
          mine.map((c) => ACCOUNT_COUNTER_PREFIXES[flow] + c.usernameKey),
        )
        .whereRef('e.at', '>=', 'c.window_start')
        // A trusted browser's own failures count against that browser, not the account.
        .where(this.dataField('device'), 'is', null)
        .groupBy([username, 'e.ip'])
        .execute();
      for (const row of rows) out.push({ flow, usernameKey: String(row.username), ip: row.ip, attempts: Number(row.attempts), lastAt: Number(row.last_at) });
    }
    return out;
  }
}
