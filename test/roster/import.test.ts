import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hash32, hash32b } from '../../src/roster/hash.js';
import { SqlAccountStore } from '../../src/store/accounts-repo.js';
import { SqlRosterQueries } from '../../src/store/roster-queries.js';
import type { Store } from '../../src/store/database.js';
import { collectingBus, migratedStore, type MigratedStore } from '../helpers/factories.js';
import { generateDistrict, materialize, studentId, studentNumber, writeRoster, type Format, type RosterModel, type Row } from '../helpers/oneroster-generator.js';
import { accountsOf, count, importer, rosterDigest, SETTINGS, WRITERS, type Importer } from './support.js';

type Model = RosterModel & { enrollments: Row[] };

/** A small district: 3 schools, 60 students, 10 staff (8 teachers, an aide, an administrator), 3 enrollments per student, with names to test on. */
function district(version: '1.1' | '1.2' = '1.2', students = 60): Model {
  const model = materialize(generateDistrict({ version, students, staff: 10, schools: 3, enrollmentsPerStudent: 3, classSize: 10, seed: 7 }));
  const names: [string, string][] = [
    ['Anne, Marie', 'Côté'],
    ['Zoë', 'O"Neil'],
    ['Mary Ann', 'van der Berg'],
    ["D'Andre", "O'Connor-Diallo"],
    ['伟', '王'],
    ['Анна', 'Иванова'],
    ['محمد', 'الحسن'],
    ['Léa', 'Nguyễn Thị'],
  ];
  names.forEach(([given, family], i) => Object.assign(model.users[i], { givenName: given, familyName: family }));
  // A class title with a quoted comma, quotes and a line break.
  model.classes[0].title = 'Art, "Studio"\nafternoon';
  return model;
}

const students = (model: Model) => model.users.filter((u) => u.role === 'student');
const usernameOf = (i: number) => `S0${studentNumber(i)}`;
const files: string[] = [];
async function write(model: RosterModel, format: Format = {}, zip = false): Promise<string> {
  const path = await writeRoster(model, format, { zip });
  files.push(path.replace(/\.zip$/, ''), path);
  return path;
}
afterAll(() => {
  for (const path of files) rmSync(path, { recursive: true, force: true });
});

describe.each(WRITERS)('roster import (%s, writer thread: %s)', (engine, writerThread) => {
  let fixture: MigratedStore;
  let store: Store;
  let run: Importer;
  let events: ReturnType<typeof collectingBus>['events'];

  beforeEach(async () => {
    fixture = await migratedStore(engine);
    store = fixture.store;
    const bus = collectingBus();
    events = bus.events;
    run = importer(store, bus.bus, {}, writerThread);
  });
  afterEach(() => fixture.close());

  test('a 1.2 zip with BOM, CRLF, all-quoted fields, 1.0 and misspelt headers and extension columns creates every account, names exactly as written', async () => {
    const model = district('1.2');
    const path = await write(model, { bom: true, crlf: true, quoteAll: true, noFinalNewline: true, oddHeaders: true, extraColumns: true }, true);
    const before = Date.now();
    const report = await run(path);
    expect(report.errors).toEqual({ count: 0, items: [] });
    expect(report.status).toBe('applied');
    expect(report.summary!.accounts).toMatchObject({ created: 70, updated: 0, disabled: 0, rejected: 0 });
    expect(report.summary!.accounts.byRole).toMatchObject({ student: { created: 60 }, teacher: { created: 8 }, staff: { created: 2 } });
    expect(report.summary!.accounts.bySchool['sch-0']).toMatchObject({ name: 'Lakeside School 0', created: 20 + 4 });
    expect(report.summary!.files.users.ignoredColumns).toEqual(expect.arrayContaining(['metadata.vendorCode', 'ext_vendor_id', 'password']));

    const accounts = await accountsOf(store);
    expect(accounts.size).toBe(70);
    for (const [i, user] of students(model).entries()) {
      const account = accounts.get(usernameOf(i))!;
      expect(account).toMatchObject({
        givenName: user.givenName,
        familyName: user.familyName,
        studentId: studentNumber(i),
        grade: user.grades,
        status: 'active',
        roles: ['student'],
        schools: [user.orgSourcedIds],
        sourcedId: user.sourcedId,
        passwordHash: null,
      });
      expect(account.firstSeenAt).toBeGreaterThanOrEqual(before);
      expect(account.claimableAt).toBe(account.firstSeenAt! + 24 * 3600 * 1000);
    }
    expect(accounts.get(usernameOf(1))!.familyName).toBe('O"Neil');
    expect(accounts.get(usernameOf(0))!.givenName).toBe('Anne, Marie');
    expect(accounts.get('staff0')).toMatchObject({ roles: ['teacher'], studentId: null, email: 'staff0@maple.example' });
    expect(accounts.get('staff8')).toMatchObject({ roles: ['staff'] }); // an aide
    expect(accounts.get('staff9')).toMatchObject({ roles: ['staff'] }); // an administrator

    expect(await count(store, 'roster_enrollments')).toBe(model.enrollments.length);
    const klass = await store.db.selectFrom('roster_classes').select('title').where('sourced_id', '=', model.classes[0].sourcedId).executeTakeFirstOrThrow();
    expect(klass.title).toBe('Art, "Studio"\nafternoon');
    const school = await store.db.selectFrom('schools').selectAll().where('id', '=', 'sch-1').executeTakeFirstOrThrow();
    expect(school).toMatchObject({ name: 'Hillcrest School 1', type: 'school', parent_id: 'district', status: 'active' });

    // A teacher's students and a school's students come from the stored classes and enrollments.
    const queries = new SqlRosterQueries(store.db);
    const teacher = await new SqlAccountStore(store.db).findByUsername('staff0');
    const taught = await queries.studentsOfTeacher(teacher!.id);
    const expected = new Set(
      model.enrollments
        .filter((e) => e.role === 'student' && model.enrollments.some((t) => t.role === 'teacher' && t.userSourcedId === 'stf-000000' && t.classSourcedId === e.classSourcedId))
        .map((e) => e.userSourcedId),
    );
    expect(new Set(taught.map((s) => `stu-${s.username.slice(2)}`))).toEqual(expected);
    expect((await queries.studentsOfSchool('sch-2')).length).toBe(20);

    // Audit: one account.created per account, written in bulk, and the import itself through the event bus.
    const created = await store.db
      .selectFrom('audit_events')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('type', '=', 'account.created')
      .executeTakeFirstOrThrow();
    expect(Number(created.n)).toBe(70);
    expect(events.map((e) => e.type)).toEqual(['roster.imported']);
    expect(events[0].data).toMatchObject({ status: 'applied', accounts: { created: 70 } });
  });

  test('a 1.1 folder with quoted commas, quotes and line breaks imports the same district; an unchanged re-import changes nothing', async () => {
    const model = district('1.1');
    const path = await write(model, { crlf: true });
    const first = await run(path);
    expect(first.status).toBe('applied');
    expect(first.summary!.accounts.created).toBe(70);
    const accounts = await accountsOf(store);
    expect(accounts.get(usernameOf(4))).toMatchObject({ givenName: '伟', familyName: '王' });
    expect(accounts.get(usernameOf(6))).toMatchObject({ givenName: 'محمد', familyName: 'الحسن' });

    const digest = await rosterDigest(store);
    const again = await run(path);
    expect(again.status).toBe('applied');
    expect(again.summary!.accounts).toMatchObject({ created: 0, updated: 0, disabled: 0, reenabled: 0, unchanged: 70 });
    expect(again.summary!.entities.enrollments).toMatchObject({ created: 0, updated: 0, removed: 0, unchanged: model.enrollments.length });
    expect(await rosterDigest(store)).toBe(digest);
  });

  test('enrollments stored without a key hash (before migration 007) are still recognised, and a removed one is still removed', async () => {
    const model = district('1.2');
    const path = await write(model);
    expect((await run(path)).status).toBe('applied');
    const ids = await store.db.selectFrom('roster_enrollments').select('id').orderBy('id').execute();
    const half = ids.filter((_, i) => i % 2 === 0).map((r) => r.id);
    await store.db.updateTable('roster_enrollments').set({ key_hi: null, key_lo: null }).where('id', 'in', half).execute();

    const again = await run(path);
    expect(again.summary!.entities.enrollments).toMatchObject({ created: 0, updated: 0, removed: 0, unchanged: model.enrollments.length });
    expect(await count(store, 'roster_enrollments')).toBe(model.enrollments.length);

    // The first stored row has no key hash: dropping it from a bulk file removes it, and nothing else.
    const first = await store.db.selectFrom('roster_enrollments').select('sourced_id').where('id', '=', half[0]).executeTakeFirstOrThrow();
    const without = { ...model, enrollments: model.enrollments.filter((e) => e.sourcedId !== first.sourced_id) };
    const removed = await run(await write(without));
    expect(removed.summary!.entities.enrollments).toMatchObject({ created: 0, updated: 0, removed: 1, unchanged: model.enrollments.length - 1 });
    expect(await count(store, 'roster_enrollments')).toBe(model.enrollments.length - 1);
  });

  test('a re-export with every field quoted, vendor columns added and every dateLastModified changed is unchanged', async () => {
    const model = district('1.2');
    expect((await run(await write(model))).status).toBe('applied');
    const digest = await rosterDigest(store);
    const restamp = (rows: Row[]) => rows.map((row) => ({ ...row, dateLastModified: '2026-11-29T02:00:00.000Z' }));
    const reexport = { ...model, users: restamp(model.users), classes: restamp(model.classes), enrollments: restamp(model.enrollments) };
    const again = await run(await write(reexport, { quoteAll: true, extraColumns: true, crlf: true }));
    expect(again.status).toBe('applied');
    expect(again.summary!.accounts).toMatchObject({ created: 0, updated: 0, unchanged: 70 });
    expect(again.summary!.entities.enrollments).toMatchObject({ created: 0, updated: 0, removed: 0, unchanged: model.enrollments.length });
    expect(await rosterDigest(store)).toBe(digest);

    // A real change in one enrollment is seen, quoted or not.
    const moved = { ...model, enrollments: model.enrollments.map((row, i) => (i === 5 ? { ...row, endDate: '2026-03-01' } : row)) };
    const changed = await run(await write(moved));
    expect(changed.summary!.entities.enrollments).toMatchObject({ created: 0, updated: 1, removed: 0, unchanged: model.enrollments.length - 1 });
  });

  test('an unchanged user is recognised from its line alone; what changes around the line (roles.csv, an org, the username template) still updates it', async () => {
    const model = district('1.2');
    const staff = model.users.find((u) => u.username === 'staff1')!;
    staff.email = 'not-an-email';
    const path = await write(model);
    expect((await run(path)).summary!.accounts.created).toBe(70);
    // Every user's line hash is stored, but for the line that warns: it must be parsed (and warn) at every import.
    const withoutLineHash = async () => (await store.db.selectFrom('roster_users').select('sourced_id').where('line_hash', 'is', null).execute()).map((r) => r.sourced_id);
    expect(await withoutLineHash()).toEqual([staff.sourcedId]);

    // From its line: the stored row hash, made wrong here, is not even compared.
    await store.db.updateTable('roster_users').set({ row_hash: 0 }).where('sourced_id', '=', model.users[0].sourcedId).execute();
    expect((await run(path)).summary!.accounts).toMatchObject({ unchanged: 70, updated: 0 });
    // Users stored without a line hash (before migration 009) are parsed again, which shows the wrong row hash, and
    // their lines' hashes are recorded.
    await store.db.updateTable('roster_users').set({ line_hash: null }).execute();
    expect((await run(path)).summary!.accounts).toMatchObject({ unchanged: 69, updated: 1 });
    expect(await withoutLineHash()).toEqual([staff.sourcedId]);
    const unchanged = await run(path);
    expect(unchanged.summary!.accounts).toMatchObject({ unchanged: 70, updated: 0 });
    expect(unchanged.warnings.items).toEqual([expect.objectContaining({ sourcedId: staff.sourcedId, column: 'email' })]);

    // A roles.csv row more: the student's line is the same, its account is not.
    const student = students(model)[3];
    const other = student.orgSourcedIds === 'sch-0' ? 'sch-1' : 'sch-0';
    const rolesFile = join(path, 'roles.csv');
    writeFileSync(rolesFile, `${readFileSync(rolesFile, 'utf8')}role-extra,active,2025-08-01T00:00:00.000Z,${student.sourcedId},secondary,student,,,${other},\n`);
    expect((await run(path)).summary!.accounts).toMatchObject({ unchanged: 69, updated: 1 });
    expect((await accountsOf(store)).get(usernameOf(3))!.schools).toEqual([student.orgSourcedIds, other].sort());

    // An org that becomes a district is no school of its users any more.
    const orgsFile = join(path, 'orgs.csv');
    const orgs = readFileSync(orgsFile, 'utf8').split('\n');
    writeFileSync(orgsFile, orgs.map((line) => (line.startsWith('sch-2,') ? line.replace(',school,', ',district,') : line)).join('\n'));
    const reorganised = await run(path);
    const atSch2 = students(model).flatMap((u, i) => (u.orgSourcedIds === 'sch-2' && i !== 3 ? [usernameOf(i)] : []));
    expect(atSch2.length).toBeGreaterThan(0);
    expect(reorganised.summary!.accounts.updated).toBeGreaterThanOrEqual(atSch2.length);
    const accounts = await accountsOf(store);
    for (const username of atSch2) expect(accounts.get(username)!.schools).toEqual([]);

    // Another username template renames every student.
    const renamed = await run(path, {}, { usernameTemplates: { ...SETTINGS.usernameTemplates, student: 'S1{studentNumber}' } });
    expect(renamed.summary!.accounts).toMatchObject({ updated: 60, unchanged: 10 });
    expect((await accountsOf(store)).get(`S1${studentNumber(0)}`)).toMatchObject({ sourcedId: model.users[0].sourcedId });
  });

  test('a student who moves schools: account, schools and enrollments follow', async () => {
    const model = district();
    await run(await write(model));
    const mover = model.users[10];
    Object.assign(mover, { orgSourcedIds: 'sch-2', primaryOrgSourcedId: 'sch-2' });
    const old = model.enrollments.filter((e) => e.userSourcedId === mover.sourcedId);
    for (const e of old) Object.assign(e, { classSourcedId: 'cls-2-0', schoolSourcedId: 'sch-2' });
    const report = await run(await write(model));
    expect(report.summary!.accounts).toMatchObject({ updated: 1, unchanged: 69 });
    expect(report.summary!.entities.enrollments).toMatchObject({ updated: old.length });
    const accounts = await accountsOf(store);
    expect(accounts.get(usernameOf(10))!.schools).toEqual(['sch-2']);
    const classes = await store.db.selectFrom('roster_enrollments').select('class_id').where('user_id', '=', mover.sourcedId).execute();
    expect(classes.map((c) => c.class_id)).toEqual(old.map(() => 'cls-2-0'));
  });

  test('enrollment changes are decided alike by digest and with every stored row indexed: updated, moved, removed, added, listed twice; most rows changed', async () => {
    const model = district();
    const changed = structuredClone(model) as Model;
    const of = (i: number) => changed.enrollments.filter((e) => e.userSourcedId === studentId(i));
    of(1)[0].endDate = '2026-03-01';
    const moved = of(2)[0];
    moved.userSourcedId = studentId(3);
    const gone = of(4)[0].sourcedId;
    changed.enrollments = changed.enrollments.filter((e) => e.sourcedId !== gone);
    changed.enrollments.push({ ...of(1)[1], sourcedId: 'enr-new' });
    const twice: Row = { ...of(5)[0], userSourcedId: studentId(6) };
    changed.enrollments.push(twice);
    const changedPath = await write(changed);
    // Every row's end date changes: most users differ from their digest.
    const everyRow = { ...changed, enrollments: changed.enrollments.map((e) => ({ ...e, endDate: '2026-06-30' })) };
    const everyRowPath = await write(everyRow);
    const stored = async () =>
      (await store.db.selectFrom('roster_enrollments').select(['sourced_id', 'user_id', 'end_date']).orderBy('sourced_id').orderBy('id').execute()).map(
        (r) => `${r.sourced_id} ${r.user_id} ${r.end_date ?? ''}`,
      );

    const outcomes: unknown[] = [];
    for (const fullIndex of [false, true]) {
      await fixture.close();
      fixture = await migratedStore(engine);
      store = fixture.store;
      run = importer(store, collectingBus().bus, {}, writerThread);
      expect((await run(await write(model))).status).toBe('applied');
      // A stored row without a key hash (as before migration 007) makes the importer index every stored row.
      if (fullIndex) await store.db.updateTable('roster_enrollments').set({ key_hi: null, key_lo: null }).where('sourced_id', '=', model.enrollments.at(-1)!.sourcedId).execute();

      const report = await run(changedPath, { allowPartial: true });
      expect(report.status).toBe('applied');
      expect(report.summary!.entities.enrollments).toMatchObject({ created: 1, updated: 2, removed: 1, rejected: 1, unchanged: model.enrollments.length - 3 });
      expect(report.errors.items).toEqual([
        expect.objectContaining({ file: 'enrollments.csv', line: changed.enrollments.length + 1, sourcedId: twice.sourcedId, code: 'duplicateId' }),
      ]);
      const rows = await stored();
      expect(rows).toHaveLength(model.enrollments.length);
      expect(rows.filter((r) => r.startsWith(`${moved.sourcedId} `))).toEqual([expect.stringMatching(`^${moved.sourcedId} ${studentId(3)} `)]);
      expect(rows).toContain(`${of(1)[0].sourcedId} ${studentId(1)} 2026-03-01`);
      expect(rows.filter((r) => r.startsWith(`${twice.sourcedId} `))).toEqual([expect.stringMatching(`^${twice.sourcedId} ${studentId(5)} `)]);
      expect(rows.some((r) => r.startsWith(`${gone} `))).toBe(false);

      const again = await run(everyRowPath, { allowPartial: true });
      expect(again.summary!.entities.enrollments).toMatchObject({ created: 0, updated: model.enrollments.length, removed: 0, rejected: 1, unchanged: 0 });
      outcomes.push({ report: report.summary!.entities.enrollments, again: again.summary!.entities.enrollments, rows: await stored() });
    }
    expect(outcomes[0]).toEqual(outcomes[1]);
  });

  test('a stored enrollment of someone who is not a roster user (a hand-edited database) is removed by a bulk file, kept by a delta one', async () => {
    const model = district();
    expect((await run(await write(model))).status).toBe('applied');
    const ghost: Row = { ...model.enrollments[0], sourcedId: 'enr-ghost', userSourcedId: 'stu-ghost' };
    await store.db
      .insertInto('roster_enrollments')
      .values({
        sourced_id: ghost.sourcedId,
        class_id: ghost.classSourcedId,
        user_id: ghost.userSourcedId,
        role: 'student',
        is_primary: 0,
        row_hash: 1,
        key_hi: hash32b(ghost.sourcedId),
        key_lo: hash32(ghost.sourcedId),
      })
      .execute();
    const ghosts = async () => (await store.db.selectFrom('roster_enrollments').select('id').where('user_id', '=', 'stu-ghost').execute()).length;

    const delta = await run(
      await write({
        ...model,
        orgs: [],
        academicSessions: [],
        courses: [],
        classes: [],
        users: [],
        enrollments: [model.enrollments[1]],
        modes: { ...model.modes, orgs: 'delta', academicSessions: 'delta', courses: 'delta', classes: 'delta', users: 'delta', roles: 'delta', enrollments: 'delta' },
      }),
    );
    expect(delta.summary!.entities.enrollments).toMatchObject({ removed: 0, unchanged: 1 });
    expect(await ghosts()).toBe(1);

    const bulk = await run(await write(model));
    expect(bulk.summary!.entities.enrollments).toMatchObject({ created: 0, updated: 0, removed: 1, unchanged: model.enrollments.length });
    expect(await ghosts()).toBe(0);
  });

  test('leaving and returning: absent, tobedeleted and enabledUser=false disable (sessions revoked); a returning student keeps the password', async () => {
    const model = district();
    await run(await write(model));
    const accountStore = new SqlAccountStore(store.db);
    const ana = (await accountStore.findByUsername(usernameOf(20)))!;
    await accountStore.setPassword(ana.id, 'argon-hash-of-a-claimed-password');
    await store.db
      .insertInto('oidc_payloads')
      .values({
        kind: 'Session',
        id: 'sess-ana',
        payload: '{}',
        grant_id: null,
        user_code: null,
        uid: 'u1',
        account_id: ana.id,
        expires_at: Date.now() + 60_000,
        consumed_at: null,
      })
      .execute();
    await store.db
      .insertInto('rp_sessions')
      .values({ id: 'rp-ana', app: 'portal', account_sub: ana.id, sid: null, id_token: 'x', claims: '{}', expires_at: Date.now() + 60_000 })
      .execute();

    const leaving = { ...model, users: model.users.filter((u) => u.sourcedId !== studentId(20)), enrollments: model.enrollments.filter((e) => e.userSourcedId !== studentId(20)) };
    const tobedeleted = model.users.find((u) => u.sourcedId === studentId(21))!;
    tobedeleted.status = 'tobedeleted';
    const notEnabled = model.users.find((u) => u.sourcedId === studentId(22))!;
    notEnabled.enabledUser = 'false';
    const report = await run(await write(leaving));
    expect(report.status).toBe('applied');
    expect(report.summary!.accounts).toMatchObject({ disabled: 3, updated: 0, unchanged: 67 });
    expect(report.summary!.accounts.byRole.student.disabled).toBe(3);
    expect(report.sessionsRevoked).toBe(2);
    const accounts = await accountsOf(store);
    for (const i of [20, 21, 22]) expect(accounts.get(usernameOf(i))!.status).toBe('disabled');
    expect(await store.db.selectFrom('oidc_payloads').select('id').where('account_id', '=', ana.id).execute()).toEqual([]);
    expect(await store.db.selectFrom('rp_sessions').select('id').where('account_sub', '=', ana.id).execute()).toEqual([]);
    const disabledAudit = await store.db.selectFrom('audit_events').select('subject_id').where('type', '=', 'account.disabled').execute();
    expect(disabledAudit).toHaveLength(3);

    // They come back.
    tobedeleted.status = 'active';
    notEnabled.enabledUser = 'true';
    const back = await run(await write(model));
    expect(back.summary!.accounts).toMatchObject({ reenabled: 3, disabled: 0 });
    const after = await accountsOf(store);
    expect(after.get(usernameOf(20))).toMatchObject({ status: 'active', passwordHash: 'argon-hash-of-a-claimed-password', firstSeenAt: accounts.get(usernameOf(20))!.firstSeenAt });
    expect(await store.db.selectFrom('audit_events').select('id').where('type', '=', 'account.reenabled').execute()).toHaveLength(3);
  });

  test('claim window: claimable_at is first seen + roster.claimDelay (0 allowed), and a re-import keeps first_seen_at', async () => {
    const model = district('1.2', 30);
    const path = await write(model);
    await run(path, {}, { claimDelay: 3600 });
    const first = await accountsOf(store);
    for (const account of first.values()) expect(account.claimableAt! - account.firstSeenAt!).toBe(3600 * 1000);
    model.users[0].givenName = 'Renamed';
    model.users.push({ ...model.users[1], sourcedId: 'stu-new', identifier: '777777', username: 'new1' });
    await new Promise((resolve) => setTimeout(resolve, 5));
    await run(await write(model), {}, { claimDelay: 0 });
    const second = await accountsOf(store);
    expect(second.get(usernameOf(0))).toMatchObject({
      givenName: 'Renamed',
      firstSeenAt: first.get(usernameOf(0))!.firstSeenAt,
      claimableAt: first.get(usernameOf(0))!.claimableAt,
    });
    const fresh = second.get('S0777777')!;
    expect(fresh.claimableAt).toBe(fresh.firstSeenAt);
  });

  test('the mass-disable guard refuses a bulk file that would disable more than 10 % of active accounts, unless --force', async () => {
    const model = district();
    await run(await write(model));
    const digest = await rosterDigest(store);
    const half = {
      ...model,
      users: model.users.filter((_, i) => i % 5 !== 0),
      enrollments: model.enrollments.filter((e) => !model.users.some((u, i) => i % 5 === 0 && u.sourcedId === e.userSourcedId)),
    };
    const path = await write(half);
    const refused = await run(path);
    expect(refused.status).toBe('refused');
    expect(refused.guard).toMatchObject({ activeBefore: 70, wouldDisable: 14, limit: 0.1 });
    expect(refused.message).toMatch(/would disable 14 of 70 active accounts/);
    expect(await rosterDigest(store)).toBe(digest);
    expect(events.at(-1)).toMatchObject({ type: 'roster.import_rejected', data: { status: 'refused' } });

    const forced = await run(path, { force: true });
    expect(forced.status).toBe('applied');
    expect(forced.summary!.accounts.disabled).toBe(14);
  });

  test('an invalid file changes nothing and lists every error with file, line, column and reason; --allow-partial skips only those rows', async () => {
    const model = district();
    await run(await write(model));
    const digest = await rosterDigest(store);
    model.users[3].givenName = 'Changed';
    model.users[5].status = 'gone';
    model.users.push({ ...model.users[6] }); // the same sourcedId twice
    model.enrollments.push({ ...model.enrollments[0], sourcedId: 'enr-dangling', userSourcedId: 'stu-nobody' });
    model.enrollments.push({ ...model.enrollments[0], sourcedId: 'enr-bad-class', classSourcedId: 'cls-none' });
    const path = await write(model);
    const report = await run(path);
    expect(report.status).toBe('invalid');
    expect(report.message).toMatch(/nothing was changed/);
    expect(await rosterDigest(store)).toBe(digest);
    const errors = report.errors.items.map((e) => ({ ...e }));
    // 1.2: users.csv has no role column, so its header is: sourcedId, status, … (status is column 2, line = row + 1).
    expect(errors).toEqual(
      expect.arrayContaining([
        // Each with its message id and values, for the admin console to show it in another language.
        {
          file: 'users.csv',
          line: 7,
          column: 'status',
          sourcedId: studentId(5),
          reason: 'status must be active or tobedeleted (or empty)',
          code: 'status',
          params: { field: 'status' },
        },
        { file: 'users.csv', line: model.users.length + 1, column: 'sourcedId', sourcedId: studentId(6), reason: 'sourcedId appears twice in the file', code: 'duplicateId' },
        {
          file: 'enrollments.csv',
          line: model.enrollments.length,
          column: 'userSourcedId',
          sourcedId: 'enr-dangling',
          reason: 'user stu-nobody is not in users.csv',
          code: 'userMissing',
          params: { user: 'stu-nobody' },
        },
        {
          file: 'enrollments.csv',
          line: model.enrollments.length + 1,
          column: 'classSourcedId',
          sourcedId: 'enr-bad-class',
          reason: 'class cls-none is not in classes.csv',
          code: 'classMissing',
          params: { class: 'cls-none' },
        },
      ]),
    );
    // The rejected user's enrollments are rejected too, and say why.
    expect(errors.filter((e) => e.reason === `user ${studentId(5)} was rejected`)).toHaveLength(3);

    const partial = await run(path, { allowPartial: true });
    expect(partial.status).toBe('applied');
    expect(partial.summary!.accounts).toMatchObject({ updated: 1, rejected: 2, disabled: 0 });
    const accounts = await accountsOf(store);
    expect(accounts.get(usernameOf(3))!.givenName).toBe('Changed');
    // A rejected row is kept as it was: neither changed nor treated as absent.
    expect(accounts.get(usernameOf(5))!.status).toBe('active');
    expect(await count(store, 'roster_enrollments')).toBe(model.enrollments.length - 2);
  });

  test('a first load that lists an enrollment twice rejects the later line, as a dry run does; rows a later import adds get ids of their own', async () => {
    const model = district();
    const first = model.enrollments[4];
    model.enrollments.push({ ...first, endDate: '2026-01-31' }); // listed again, on the file's last line
    const path = await write(model);
    const twice = { file: 'enrollments.csv', line: model.enrollments.length + 1, column: 'sourcedId', sourcedId: first.sourcedId, code: 'duplicateId' };
    // A dry run keeps an index of every row; an import finds the repeated sourcedId in the database (see decideEnrollments).
    const dry = await run(path, { dryRun: true });
    expect(dry.errors.items).toEqual([expect.objectContaining(twice)]);
    const invalid = await run(path);
    expect(invalid.status).toBe('invalid');
    expect(invalid.errors.items).toEqual([expect.objectContaining(twice)]);
    expect(await count(store, 'roster_enrollments')).toBe(0);

    const partial = await run(path, { allowPartial: true });
    expect(partial.status).toBe('applied');
    expect(partial.summary!.entities.enrollments).toMatchObject({ created: model.enrollments.length - 1, rejected: 1 });
    const kept = () => store.db.selectFrom('roster_enrollments').select(['id', 'end_date']).where('sourced_id', '=', first.sourcedId).execute();
    expect((await kept()).map((r) => r.end_date)).toEqual([first.endDate]);

    // The loaded rows' ids are their lines: a row added afterwards must get one past them (on PostgreSQL, from the
    // sequence the load moved on).
    model.enrollments.pop();
    model.enrollments.push({ ...first, sourcedId: 'enr-added' });
    const next = await run(await write(model));
    expect(next.status).toBe('applied');
    expect(next.summary!.entities.enrollments).toMatchObject({ created: 1, unchanged: model.enrollments.length - 1 });
    expect(await count(store, 'roster_enrollments')).toBe(model.enrollments.length);
    const rows = await store.db.selectFrom('roster_enrollments').select(['id', 'sourced_id']).execute();
    const added = rows.find((r) => r.sourced_id === 'enr-added')!;
    expect(Number(added.id)).toBeGreaterThan(Math.max(...rows.filter((r) => r !== added).map((r) => Number(r.id))));
  });

  test('an enrollment in a class the file deletes or rejects is rejected and says which', async () => {
    const model = district();
    await run(await write(model));
    const [deleted, rejected] = [model.classes[1], model.classes[2]];
    deleted.status = 'tobedeleted';
    rejected.schoolSourcedId = 'sch-none'; // not in orgs.csv: the class row is rejected
    const report = await run(await write(model), { allowPartial: true });
    const problems = report.errors.items.filter((e) => e.file === 'enrollments.csv');
    const inClass = (id: string) => model.enrollments.filter((e) => e.classSourcedId === id).length;
    expect(problems.filter((e) => e.code === 'classDeleted' && e.params?.class === deleted.sourcedId)).toHaveLength(inClass(deleted.sourcedId));
    expect(problems.filter((e) => e.code === 'classRejected' && e.params?.class === rejected.sourcedId)).toHaveLength(inClass(rejected.sourcedId));
    expect(problems).toHaveLength(inClass(deleted.sourcedId) + inClass(rejected.sourcedId));
  });

  test('roles.csv: roles at two schools add up; a row for a user users.csv lacks is reported once, at its first line; a rejected row rejects its user', async () => {
    const model = district('1.2');
    const path = await write(model);
    const rolesFile = join(path, 'roles.csv');
    const text = readFileSync(rolesFile, 'utf8');
    const last = text.trimEnd().split('\n').length; // lines so far, header included
    const row = (id: string, user: string, type: string, role: string, org: string) => `${id},active,2025-08-01T00:00:00.000Z,${user},${type},${role},,,${org},\n`;
    writeFileSync(
      rolesFile,
      text +
        row('role-extra', 'stf-000000', 'secondary', 'administrator', 'sch-2') +
        row('role-ghost-1', 'stf-ghost', 'primary', 'teacher', 'sch-0') +
        row('role-ghost-2', 'stf-ghost', 'secondary', 'aide', 'sch-1') +
        row('role-bad-org', model.users[5].sourcedId, 'secondary', 'student', 'sch-nowhere'),
    );
    const report = await run(path, { allowPartial: true });
    expect(report.status).toBe('applied');
    const rejected = model.users[5].sourcedId;
    expect(report.errors.items.slice(0, 3)).toEqual([
      {
        file: 'roles.csv',
        line: last + 4,
        column: 'orgSourcedId',
        sourcedId: 'role-bad-org',
        reason: 'org sch-nowhere is not in orgs.csv',
        code: 'orgMissing',
        params: { org: 'sch-nowhere' },
      },
      expect.objectContaining({ file: 'users.csv', sourcedId: rejected, reason: 'its row in roles.csv was rejected', code: 'rolesRowRejected' }),
      {
        file: 'roles.csv',
        line: last + 2,
        column: 'userSourcedId',
        sourcedId: 'stf-ghost',
        reason: 'user stf-ghost is not in users.csv',
        code: 'userMissing',
        params: { user: 'stf-ghost' },
      },
    ]);
    // The rejected user's enrollments follow it.
    expect(report.errors.items.slice(3).map((e) => `${e.file} ${e.reason}`)).toEqual(Array(3).fill(`enrollments.csv user ${rejected} was rejected`));
    const accounts = await accountsOf(store);
    expect(accounts.get('staff0')).toMatchObject({ roles: ['staff', 'teacher'] });
    expect(accounts.get('staff0')!.schools).toContain('sch-2');
    expect(accounts.has(usernameOf(5))).toBe(false);
    expect(report.summary!.accounts).toMatchObject({ created: 69, rejected: 1 });
    // A user at two schools counts at both.
    for (const school of ['sch-0', 'sch-1', 'sch-2']) {
      expect(report.summary!.accounts.bySchool[school].created).toBe([...accounts.values()].filter((a) => a.schools.includes(school)).length);
    }
  });

  test('an empty users.csv (not even a header) is an error, never "everyone left"', async () => {
    const model = district();
    await run(await write(model));
    const digest = await rosterDigest(store);
    const path = await write(model);
    writeFileSync(join(path, 'users.csv'), '');
    const report = await run(path, { allowPartial: true, force: true });
    expect(report.errors.items[0]).toEqual({ file: 'users.csv', line: 1, reason: 'the file is empty (not even a header line)', code: 'emptyFile' });
    expect(report.summary!.accounts.disabled).toBe(0);
    expect(await rosterDigest(store)).toBe(digest);
  });

  test('a delta file changes what it lists and never implies that absent rows are gone', async () => {
    const model = district();
    await run(await write(model));
    const before = await accountsOf(store);
    const changed = { ...model.users[2], givenName: 'Delta' };
    const added = { ...model.users[3], sourcedId: 'stu-delta', identifier: '888888', username: 'delta', givenName: 'Nouvelle' };
    const dropped = { ...model.enrollments[0], status: 'tobedeleted' };
    const delta: RosterModel = {
      ...model,
      orgs: [],
      academicSessions: [],
      courses: [],
      classes: [],
      users: [changed, added],
      enrollments: [dropped, { ...model.enrollments[1], sourcedId: 'enr-delta', userSourcedId: 'stu-delta' }],
      modes: { orgs: 'delta', academicSessions: 'delta', courses: 'delta', classes: 'delta', users: 'delta', roles: 'delta', enrollments: 'delta' },
    };
    const report = await run(await write(delta));
    expect(report.errors.items).toEqual([]);
    expect(report.status).toBe('applied');
    expect(report.summary!.accounts).toMatchObject({ created: 1, updated: 1, disabled: 0 });
    expect(report.summary!.entities.enrollments).toMatchObject({ created: 1, removed: 1 });
    const after = await accountsOf(store);
    expect(after.size).toBe(before.size + 1);
    expect(after.get(usernameOf(2))!.givenName).toBe('Delta');
    expect([...after.values()].filter((a) => a.status === 'disabled')).toEqual([]);
    expect(await count(store, 'roster_enrollments')).toBe(model.enrollments.length);
  });

  test('a dry run prints the same summary and changes nothing', async () => {
    const model = district();
    const path = await write(model);
    const dry = await run(path, { dryRun: true });
    expect(dry.status).toBe('dry-run');
    expect(await count(store, 'accounts')).toBe(0);
    expect(events).toEqual([]);
    const real = await run(path);
    expect(real.summary).toEqual(dry.summary);
    const status = await store.db.selectFrom('roster_runs').select(['mode', 'status']).orderBy('started_at').execute();
    expect(status).toEqual([
      { mode: 'dry-run', status: 'dry-run' },
      { mode: 'apply', status: 'applied' },
    ]);
  });

  test('accounts made before the roster are linked by username; template problems, duplicates and guardians are reported', async () => {
    const accountStore = new SqlAccountStore(store.db);
    const early = await accountStore.create({ username: 'staff0', givenName: 'Early', familyName: 'Bird', roles: ['teacher', 'admin'], passwordHash: 'kept-hash' });
    await accountStore.create({ username: 'other', givenName: 'O', familyName: 'T', roles: ['student'], studentId: studentNumber(9) });
    const model = district();
    model.users[8].identifier = studentNumber(0); // the same student number (so the same username) as user 0
    model.users[11].identifier = ''; // no student number: the template cannot make a username
    model.users.push({ ...model.users[12], sourcedId: 'par-1', role: 'parent', username: 'parent1', identifier: '' });
    model.users.push({ ...model.users.at(-1)! }); // the parent listed twice
    const report = await run(await write(model), { allowPartial: true });
    expect(report.status).toBe('applied');
    const reasons = report.errors.items.filter((e) => e.file === 'users.csv').map((e) => `${e.sourcedId}: ${e.reason}`);
    expect(reasons.sort()).toEqual(
      [
        `${studentId(11)}: the username template "S0{studentNumber}" needs studentNumber, which is empty`,
        `${studentId(8)}: username ${usernameOf(0)} is also the username of the user on line 2`,
        `${studentId(9)}: student number ${studentNumber(9)} belongs to another account`,
        'par-1: sourcedId appears twice in the file',
      ].sort(),
    );
    expect(report.summary!.skipped).toEqual({ 'role parent: not an account': 1 });
    expect(report.summary!.notAccounts).toEqual({ parent: 1 });
    expect(report.summary!.accounts).toMatchObject({ rejected: 4, skipped: 1 });
    const linked = (await accountStore.findByUsername('staff0'))!;
    const rosterTeacher = model.users.find((u) => u.username === 'staff0')!;
    expect(linked).toMatchObject({ id: early.id, givenName: rosterTeacher.givenName, passwordHash: 'kept-hash' });
    // The roster's roles replace the roster roles only: admin stays.
    expect(linked.roles).toEqual(['admin', 'teacher']);

    // A new roster user whose username another roster user holds is rejected, with the holder named.
    model.users.push({ ...model.users.find((u) => u.username === 'staff2')!, sourcedId: 'stf-new', identifier: 'E99' });
    const second = await run(await write(model), { allowPartial: true });
    expect(second.errors.items.map((e) => `${e.sourcedId}: ${e.reason}`)).toContain('stf-new: username staff2 belongs to another account (roster user stf-000002)');
  });

  test('student numbers can come from a userIds type (userIds:SIS) or the sourcedId', async () => {
    const model = district('1.1', 10);
    for (const u of model.users) u.identifier = 'not-the-number';
    const path = await write(model);
    const report = await run(path, {}, { studentIdSource: 'userIds:SIS' });
    expect(report.status).toBe('applied');
    const accounts = await accountsOf(store);
    expect(accounts.get(usernameOf(3))).toMatchObject({ studentId: studentNumber(3) });
    const other = await migratedStore(engine);
    try {
      const bySourcedId = await importer(other.store, collectingBus().bus)(
        path,
        {},
        { studentIdSource: 'sourcedId', usernameTemplates: { student: '{sourcedId}', teacher: '{username}', staff: '{emailLocalPart}' } },
      );
      expect(bySourcedId.errors.items).toEqual([]);
      const accounts2 = await accountsOf(other.store);
      expect(accounts2.get(studentId(3))).toMatchObject({ studentId: studentId(3) });
      expect(accounts2.has('staff9')).toBe(true);
    } finally {
      await other.close();
    }
  });

  test('a broken file reports the first 100 errors and the count', async () => {
    const model = district('1.2', 150);
    for (const e of model.enrollments) e.role = 'learner';
    const report = await run(await write(model));
    expect(report.status).toBe('invalid');
    expect(report.errors.count).toBe(model.enrollments.length);
    expect(report.errors.items).toHaveLength(100);
    expect(report.errors.items[0]).toMatchObject({ file: 'enrollments.csv', line: 2, column: 'role', reason: expect.stringContaining('"learner" is not a OneRoster role') });
  });
});
