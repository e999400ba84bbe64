import { SqlAccountStore } from '../../src/store/accounts-repo.js';
import { SqlBadgeStore } from '../../src/store/badges-repo.js';
import { ENGINES } from '../helpers/server.js';
import { migratedStore, newAccount, type MigratedStore } from '../helpers/factories.js';

/** The badge store on both engines: one badge in use per student, whatever happens at once. */
describe.each(ENGINES)('badge store (%s)', (engine) => {
  let db: MigratedStore;
  let badges: SqlBadgeStore;
  let accounts: SqlAccountStore;
  beforeAll(async () => {
    db = await migratedStore(engine);
    badges = new SqlBadgeStore(db.store.db);
    accounts = new SqlAccountStore(db.store.db);
  });
  afterAll(() => db.close());

  const badge = (n: string) => ({ id: `id-${n}`, digest: `digest-${n}`, secretSealed: `sealed-${n}` });

  test('two prints at once issue one badge: the second finds the first', async () => {
    const student = await accounts.create(newAccount({ roles: ['student'], grade: 'KG' }));
    const results = await Promise.all([badges.insertIfNone(student.id, badge('a1'), 1), badges.insertIfNone(student.id, badge('a2'), 2)]);
    expect(results.filter(Boolean)).toHaveLength(1);
    const active = (await badges.activeFor([student.id])).get(student.id)!;
    expect(['id-a1', 'id-a2']).toContain(active.id);
  });

  test('replacing voids the badge in use and stores the new one in one step; the voided one is still found by its digest', async () => {
    const student = await accounts.create(newAccount({ roles: ['student'], grade: 'KG' }));
    expect(await badges.replace(student.id, badge('b1'), 10, [])).toBe(false);
    expect(await badges.replace(student.id, badge('b2'), 20, [])).toBe(true);
    expect((await badges.activeFor([student.id])).get(student.id)?.id).toBe('id-b2');
    expect(await badges.byDigest('digest-b1')).toMatchObject({ accountId: student.id, voidedAt: 20 });
    expect(await badges.replace(student.id, null, 30, [])).toBe(true);
    expect((await badges.activeFor([student.id])).size).toBe(0);
    expect(await badges.byDigest('digest-b2')).toMatchObject({ voidedAt: 30 });
    expect(await badges.insertIfNone(student.id, badge('b3'), 40)).toBe(true);
    await badges.markUsed('id-b3', 50);
    expect(await badges.byDigest('digest-b3')).toMatchObject({ voidedAt: null, lastUsedAt: 50, createdAt: 40 });
  });
});
