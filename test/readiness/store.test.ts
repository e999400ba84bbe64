import { randomUUID } from 'node:crypto';
import { Kysely, Migrator, type Migration } from 'kysely';
import { dateToDay, localDayNumber, offsetPeriods } from '../../src/readiness/calendar.js';
import * as initial from '../../src/store/migrations/001_initial.js';
import * as roster from '../../src/store/migrations/002_roster.js';
import * as claim from '../../src/store/migrations/003_claim.js';
import * as admin from '../../src/store/migrations/004_admin.js';
import * as tickets from '../../src/store/migrations/005_tickets.js';
import * as readiness from '../../src/store/migrations/006_readiness.js';
import { openStore } from '../../src/store/database.js';
import { SqlReadinessStore } from '../../src/store/readiness-repo.js';
import { freshDatabase } from '../helpers/server.js';
import { ENGINES } from '../helpers/server.js';

/**
 * The readiness storage on each database: the summary's grouped pass puts claims and first sign-ins on the right
 * local day across daylight-saving changes (the SQL must agree with the calendar code), and migration 006 fills
 * first_login_at from the audit log, else from the last sign-in.
 */
describe.each(ENGINES)('readiness storage (%s)', (engine) => {
  const migrations: Record<string, Migration> = {
    '001_initial': initial,
    '002_roster': roster,
    '003_claim': claim,
    '004_admin': admin,
    '005_tickets': tickets,
    '006_readiness': readiness,
  };

  async function open(upTo: string) {
    const database = await freshDatabase(engine);
    const store = await openStore(database.options);
    const migrator = new Migrator({
      db: store.db,
      provider: { getMigrations: async () => migrations },
      ...(engine === 'postgres' && database.options.schema ? { migrationTableSchema: database.options.schema } : {}),
    });
    const migrate = async (name: string) => {
      const { error } = await migrator.migrateTo(name);
      if (error) throw error;
    };
    await migrate(upTo);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the tables as of an older migration, not today's Database type
    return { database, store, migrate, db: store.db as unknown as Kysely<any> };
  }

  const account = (id: string, fields: Record<string, unknown> = {}) => ({
    id,
    username: `u${id.slice(0, 8)}`,
    username_key: `u${id.slice(0, 8)}`,
    given_name: 'Test',
    family_name: 'Student',
    status: 'active',
    created_at: 0,
    updated_at: 0,
    ...fields,
  });

  test('migration 006: first_login_at from the first login.succeeded in the audit log, else the last sign-in', async () => {
    const { database, store, migrate, db } = await open('005_tickets');
    try {
      const [audited, lastOnly, never] = [randomUUID(), randomUUID(), randomUUID()];
      await db
        .insertInto('accounts')
        .values([account(audited, { last_login_at: 9_000 }), account(lastOnly, { last_login_at: 7_000 }), account(never)])
        .execute();
      await db
        .insertInto('audit_events')
        .values([
          { id: randomUUID(), at: 5_000, type: 'login.succeeded', actor_id: audited, subject_id: audited, ip: null, data: '{}' },
          { id: randomUUID(), at: 3_000, type: 'login.succeeded', actor_id: audited, subject_id: audited, ip: null, data: '{}' },
          { id: randomUUID(), at: 1_000, type: 'login.failed', actor_id: null, subject_id: audited, ip: null, data: '{}' },
          { id: randomUUID(), at: 2_000, type: 'login.succeeded', actor_id: never, subject_id: lastOnly, ip: null, data: '{}' },
        ])
        .execute();
      // lastOnly's audit entry is older than its last sign-in: the earliest known one wins.
      await migrate('006_readiness');
      const rows = await db.selectFrom('accounts').select(['id', 'first_login_at']).execute();
      const first = Object.fromEntries(rows.map((r: { id: string; first_login_at: number | null }) => [r.id, r.first_login_at === null ? null : Number(r.first_login_at)]));
      expect(first).toEqual({ [audited]: 3_000, [lastOnly]: 2_000, [never]: null });
      const state = await new SqlReadinessStore(store.db, engine, null).state();
      expect(state).toEqual({ refreshedAt: null, durationMs: null, timeZone: null, sinceDay: null, leaseUntil: null });
    } finally {
      await store.close();
      await database.drop();
    }
  });

  test('the grouped pass puts each claim and first sign-in on its local day, across daylight-saving changes', async () => {
    const { database, store, db } = await open('006_readiness');
    try {
      const zone = 'America/Toronto';
      const instants = [
        '2026-03-08T04:59:00Z', // 23:59 EST, 7 March
        '2026-03-08T05:01:00Z', // 00:01 EST, 8 March
        '2026-03-09T03:59:00Z', // 23:59 EDT, 8 March
        '2026-03-09T04:01:00Z', // 00:01 EDT, 9 March
        '2026-11-01T03:59:00Z', // 23:59 EDT, 31 October
        '2026-11-01T04:01:00Z', // 00:01 EDT, 1 November
        '2026-11-02T04:59:00Z', // 23:59 EST, 1 November
        '2026-11-02T05:01:00Z', // 00:01 EST, 2 November
      ].map(Date.parse);
      await db.insertInto('schools').values({ id: 'sch', name: 'School' }).execute();
      for (const [i, at] of instants.entries()) {
        const id = randomUUID();
        await db
          .insertInto('accounts')
          .values(account(id, { grade: '05', password_hash: 'x', claimed_at: at, first_login_at: at + 3_600_000, student_id: String(i) }))
          .execute();
        await db.insertInto('account_roles').values({ account_id: id, role: 'student' }).execute();
        await db.insertInto('account_schools').values({ account_id: id, school_id: 'sch' }).execute();
      }
      const since = Date.parse('2026-01-01T05:00:00Z');
      const sqliteFile = engine === 'sqlite' ? (database.options.file ?? null) : null;
      const cube = await new SqlReadinessStore(store.db, engine, sqliteFile).cube({ since, periods: offsetPeriods(zone, since, Date.parse('2027-01-01T00:00:00Z')) });
      // Rows that count for the district count each student once; school rows say which school.
      const district = cube.filter((row) => row.firstSchool);
      const claimedDays = district.flatMap((row) => Array(row.count).fill(row.claimedDay)).sort();
      const loginDays = district.flatMap((row) => Array(row.count).fill(row.loginDay)).sort();
      expect(claimedDays).toEqual(instants.map((at) => localDayNumber(at, zone)).sort());
      expect(loginDays).toEqual(instants.map((at) => localDayNumber(at + 3_600_000, zone)).sort());
      expect(claimedDays.filter((d) => d === dateToDay('2026-03-08'))).toHaveLength(2);
      expect(claimedDays.filter((d) => d === dateToDay('2026-11-01'))).toHaveLength(2);
      expect(cube.every((row) => row.grade === '05' && row.claimed && row.signedIn)).toBe(true);
      const inSchools = cube.filter((row) => row.schoolId !== null);
      expect(inSchools.every((row) => row.schoolId === 'sch')).toBe(true);
      expect(inSchools.reduce((sum, row) => sum + row.count, 0)).toBe(instants.length);
    } finally {
      await store.close();
      await database.drop();
    }
  });
});
