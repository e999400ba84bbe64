import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Store } from '../../src/store/database.js';
import { collectingBus, migratedStore, type MigratedStore } from '../helpers/factories.js';
import { ENGINES } from '../helpers/server.js';
import { accountsOf, count, importer, type Importer } from './support.js';

/**
 * The public OneRoster sample sets beside the project (../shared/oneroster-samples, see its README): files written
 * by other projects, with their own quirks and inconsistencies. They stay outside the repository (their licences);
 * CI has them in the same place.
 */
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const SAMPLES = resolve(repoRoot, '..', 'shared', 'oneroster-samples');
const sample = (name: string) => resolve(SAMPLES, name);

const suite = existsSync(SAMPLES) ? describe.each(ENGINES) : describe.skip.each(ENGINES);

suite('public OneRoster samples (%s)', (engine) => {
  let fixture: MigratedStore;
  let store: Store;
  let run: Importer;
  beforeEach(async () => {
    fixture = await migratedStore(engine);
    store = fixture.store;
    run = importer(store, collectingBus().bus);
  });
  afterEach(() => fixture.close());

  /** Every rejected row names its file, line and reason. */
  const expectExplained = (items: { file: string; line: number; reason: string }[]) => {
    for (const item of items) {
      expect(item.file).toMatch(/\.csv$/);
      expect(item.line).toBeGreaterThan(0);
      expect(item.reason.length).toBeGreaterThan(5);
    }
  };

  test('moodle-v1p2-bulk (dirty 1.2): refused as is; with --allow-partial 6 accounts, and the invalid session and the enrollments in a tobedeleted class rejected', async () => {
    const strict = await run(sample('moodle-v1p2-bulk'));
    expect(strict.status).toBe('invalid');
    expect(await count(store, 'accounts')).toBe(0);

    const report = await run(sample('moodle-v1p2-bulk'), { allowPartial: true });
    expect(report.status).toBe('applied');
    expect(report.errors.items.map((e) => `${e.file}:${e.line} ${e.sourcedId} ${e.reason}`)).toEqual([
      'academicSessions.csv:4 as-grp-222-2345 status must be active or tobedeleted (or empty)',
      'enrollments.csv:5 enr-t-222-12345-123232 class cls-222-123478 is marked tobedeleted',
      'enrollments.csv:6 enr-s-222-12345-987532 class cls-222-123478 is marked tobedeleted',
      'enrollments.csv:7 enr-s-222-12345-985321 class cls-222-123478 is marked tobedeleted',
    ]);
    expectExplained(report.errors.items);
    // Dangling parents are worth a warning, not a rejection.
    expect(report.warnings.items.map((w) => w.reason)).toEqual(
      expect.arrayContaining(['parent org-sch-222-3456 is not in orgs.csv', 'parent as-syr-222-2023 is not in academicSessions.csv']),
    );
    expect(report.summary!.ignoredFiles).toEqual(['userprofiles.csv']);
    expect(report.summary!.accounts.byRole).toMatchObject({ student: { created: 3 }, teacher: { created: 2 }, staff: { created: 1 } });
    const accounts = await accountsOf(store);
    expect([...accounts.keys()].sort()).toEqual(['S0anna.brown', 'S0mary.jones', 'S0mmichel.jones', 'jim.smith', 'john.doe', 'thomas.joness']);
    // Primary teacher plus a secondary guardian role is a teacher; a secondary siteAdministrator alone is staff.
    expect(accounts.get('john.doe')).toMatchObject({ roles: ['teacher'], givenName: 'John', email: 'john.doe@myschool.com', schools: ['org-sch-222-456'] });
    expect(accounts.get('thomas.joness')).toMatchObject({ roles: ['staff'] });
    // A blank status and date inside a bulk file is an active user; the plaintext passwords are never read.
    expect(accounts.get('S0mary.jones')).toMatchObject({ status: 'active', studentId: 'mary.jones', grade: '12', passwordHash: null });
    expect(await count(store, 'roster_enrollments')).toBe(3);
  });

  test('moodle-v1p2-delta (clean 1.2 delta): imports as is, one student', async () => {
    const report = await run(sample('moodle-v1p2-delta'));
    expect(report.status).toBe('applied');
    expect(report.errors.count).toBe(0);
    expect(Object.values(report.modes).filter((m) => m !== 'absent')).toEqual(Array(7).fill('delta'));
    expect(report.summary!.ignoredFiles.sort()).toEqual(['demographics.csv', 'userProfiles.csv']);
    const accounts = await accountsOf(store);
    expect([...accounts.values()]).toEqual([
      expect.objectContaining({ username: 'S0bruce.wayne', givenName: 'Bruce', familyName: 'Wayne', roles: ['student'], schools: ['ORG_1'], sourcedId: 'USER_0' }),
    ]);
    const course = await store.db.selectFrom('roster_courses').selectAll().executeTakeFirstOrThrow();
    expect(course).toMatchObject({ sourced_id: 'COURSE_001', title: 'Crime Fighting 101' });
  });

  test('rosterhub-v1p1-bulk (all quoted, Japanese): without student numbers the default template rejects every student; with {username} all 20 import', async () => {
    const strict = await run(sample('rosterhub-v1p1-bulk'));
    expect(strict.status).toBe('invalid');
    expect(strict.errors.count).toBe(50);
    expect(strict.errors.items[0]).toMatchObject({
      file: 'users.csv',
      line: 2,
      sourcedId: 'us0001',
      reason: 'the username template "S0{studentNumber}" needs studentNumber, which is empty',
    });
    expect(strict.errors.items.at(-1)).toMatchObject({ file: 'enrollments.csv', line: 31, column: 'userSourcedId', reason: 'user us0020 was rejected' });
    expectExplained(strict.errors.items);

    const partial = await run(sample('rosterhub-v1p1-bulk'), { allowPartial: true });
    expect(partial.status).toBe('applied');
    expect(await count(store, 'accounts')).toBe(0);
    expect(await count(store, 'roster_classes')).toBe(5);
    const org = await store.db.selectFrom('schools').select('name').where('id', '=', 'or0001').executeTakeFirstOrThrow();
    expect(org.name).toBe('動作検証大学');

    const report = await run(sample('rosterhub-v1p1-bulk'), {}, { usernameTemplates: { student: '{username}', teacher: '{username}', staff: '{username}' } });
    expect(report.errors.items).toEqual([]);
    expect(report.summary!.accounts.created).toBe(20);
    const accounts = await accountsOf(store);
    expect(accounts.get('user01')).toMatchObject({ givenName: '名01', familyName: '姓01', studentId: null, roles: ['student'] });
    expect(await count(store, 'roster_enrollments')).toBe(30);
  });

  test('tao-v1p1-vendor (1.0 headers, extension columns, header-only files): usernames with spaces are rejected; {username} imports both', async () => {
    const strict = await run(sample('tao-v1p1-vendor'));
    expect(strict.status).toBe('invalid');
    expect(strict.errors.items.map((e) => `${e.file}:${e.line} ${e.reason}`)).toEqual([
      'users.csv:2 "S0user identifier" (from the template "S0{studentNumber}") is not a valid username: letters, digits, . _ @ - only',
      'users.csv:3 "S0user identifier 2" (from the template "S0{studentNumber}") is not a valid username: letters, digits, . _ @ - only',
      'enrollments.csv:2 user user1 was rejected',
      'enrollments.csv:3 user user1 was rejected',
      'enrollments.csv:4 user user2 was rejected',
    ]);
    // Classes name a term that no session defines: a warning, since nothing depends on it.
    expect(strict.warnings.items.filter((w) => w.reason === 'academic session 1 is not in academicSessions.csv')).toHaveLength(3);

    const report = await run(sample('tao-v1p1-vendor'), {}, { usernameTemplates: { student: '{username}', teacher: '{username}', staff: '{username}' } });
    expect(report.status).toBe('applied');
    expect(report.summary!.files).toMatchObject({ academicSessions: { rows: 0 }, courses: { rows: 0 }, users: { rows: 2 } });
    const accounts = await accountsOf(store);
    expect(accounts.get('ionut')).toMatchObject({ givenName: 'ionut', familyName: 'padurariu', schools: ['12345'], studentId: 'user identifier' });
    expect(accounts.get('ionut2')).toMatchObject({ schools: ['54321'] });
    const klass = await store.db.selectFrom('roster_classes').selectAll().where('sourced_id', '=', 'class1').executeTakeFirstOrThrow();
    expect(klass).toMatchObject({ grades: '2', school_id: '12345', term_ids: '1' });
  });
});
