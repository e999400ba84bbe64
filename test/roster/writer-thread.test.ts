import Database from 'better-sqlite3';
import { rmSync } from 'node:fs';
import { USER_COLUMNS } from '../../src/roster/written-tables.js';
import type { Row } from '../../src/roster/ports.js';
import { silentProgress } from '../../src/roster/progress.js';
import { SqlRosterStore } from '../../src/roster/storage/sql-roster-store.js';
import { collectingBus, migratedStore, type MigratedStore } from '../helpers/factories.js';
import { generateDistrict, materialize, writeRoster } from '../helpers/oneroster-generator.js';
import { importer } from './support.js';

/** A users batch as the planner sends it (USER_COLUMNS order). */
function user(sourcedId: string, accountId: string, username: string): Row {
  const values: Record<(typeof USER_COLUMNS)[number], string | number | null> = {
    op: 'create',
    sourced_id: sourcedId,
    account_id: accountId,
    username,
    username_key: username.toLowerCase(),
    given_name: 'Ana',
    family_name: 'Núñez',
    email: null,
    student_id: null,
    grade: null,
    roles: 'student',
    schools: '',
    role: 'student',
    identifier: null,
    user_ids: null,
    org_ids: '',
    grades: null,
    enabled: 1,
    row_hash: 7,
    line_hash: null,
  };
  return USER_COLUMNS.map((column) => values[column]);
}

describe('the roster writer thread (SQLite)', () => {
  let fixture: MigratedStore;
  beforeEach(async () => {
    fixture = await migratedStore('sqlite');
  });
  afterEach(() => fixture.close());

  const accounts = async () =>
    Number(
      (
        await fixture.store.db
          .selectFrom('accounts')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  const context = { now: Date.now(), claimDelay: 0, runId: 'run-1' };

  test('writes in its own transaction, seen by others only after commit', async () => {
    const session = await new SqlRosterStore(fixture.store, { writerThread: true }).openWriter(context, silentProgress);
    await session.users([user('u1', '018f0000-0000-7000-8000-000000000001', 'S0100001')]);
    await session.finish({ removed: { orgs: [], academicSessions: [], courses: [], classes: [] }, disable: [], reenable: [], enrollmentDeletes: [] });
    expect(await accounts()).toBe(0);
    await session.commit();
    expect(await accounts()).toBe(1);
  });

  test('a failed batch fails the next call with its reason, and the rollback leaves nothing behind', async () => {
    const session = await new SqlRosterStore(fixture.store, { writerThread: true }).openWriter(context, silentProgress);
    await session.users([user('u1', '018f0000-0000-7000-8000-000000000001', 'S0100001')]);
    // Same username: the unique index refuses it in the thread.
    await session.users([user('u2', '018f0000-0000-7000-8000-000000000002', 'S0100001')]);
    await expect(session.finish({ removed: { orgs: [], academicSessions: [], courses: [], classes: [] }, disable: [], reenable: [], enrollmentDeletes: [] })).rejects.toThrow(
      /UNIQUE constraint failed: accounts.username_key/,
    );
    await session.rollback();
    expect(await accounts()).toBe(0);
    // The database is free again: another import can write.
    const next = await new SqlRosterStore(fixture.store, { writerThread: true }).openWriter(context, silentProgress);
    await next.users([user('u3', '018f0000-0000-7000-8000-000000000003', 'S0100003')]);
    await next.commit();
    expect(await accounts()).toBe(1);
  });
});

describe.each([false, true])('the SQLite write lock during an import (writer thread: %s)', (writerThread) => {
  let fixture: MigratedStore;
  const paths: string[] = [];
  afterAll(() => {
    for (const path of paths) rmSync(path, { recursive: true, force: true });
  });
  beforeEach(async () => {
    fixture = await migratedStore('sqlite');
  });
  afterEach(() => fixture.close());

  /** Imports `path` and, while enrollments are being read, tries to take the write lock from another connection. */
  async function lockedWhileReading(path: string): Promise<boolean> {
    const other = new Database(fixture.store.raw.sqlite!.name, { timeout: 0 });
    let locked: boolean | null = null;
    const progress = {
      phase(name: string) {
        if (!/enrollments/.test(name) || locked !== null) return;
        try {
          other.exec('BEGIN IMMEDIATE');
          other.exec('ROLLBACK');
          locked = false;
        } catch (error) {
          expect((error as { code?: string }).code).toBe('SQLITE_BUSY');
          locked = true;
        }
      },
      rows() {},
      done() {},
    };
    try {
      const report = await importer(fixture.store, collectingBus().bus, {}, writerThread)(path, { progress });
      expect(report.status).toBe('applied');
    } finally {
      other.close();
    }
    return locked!;
  }

  test('an import that changes nothing takes no write lock while it reads; one that changes rows holds it from its first change', async () => {
    const model = materialize(generateDistrict({ students: 300, staff: 20, schools: 2, enrollmentsPerStudent: 3, seed: 3 }));
    const first = await writeRoster(model);
    paths.push(first);
    // (The writer thread takes the lock when it gets to the first batch, so when exactly depends on the thread.)
    const locked = await lockedWhileReading(first);
    if (!writerThread) expect(locked).toBe(true);
    expect(await lockedWhileReading(first)).toBe(false);
    model.users[5].givenName = 'Renée';
    const changed = await writeRoster(model);
    paths.push(changed);
    const lockedForChange = await lockedWhileReading(changed);
    if (!writerThread) expect(lockedForChange).toBe(true);
  });
});
