import { SqlAccountStore } from '../../src/store/accounts-repo.js';
import { migratedStore, type MigratedStore } from '../helpers/factories.js';

/**
 * A sign-in reads its account three times; in a district of a million students that read must stay a handful of index
 * lookups. SQLite's plan is checked because its planner cannot flatten every join shape (PostgreSQL's can).
 */
describe('reading one account (sqlite)', () => {
  let db: MigratedStore;

  beforeAll(async () => {
    db = await migratedStore('sqlite');
  });
  afterAll(async () => {
    await db?.close();
  });

  test('by id and by username, with its roles and schools: index searches only, no scan of a whole table', async () => {
    const sqlite = db.store.raw.sqlite!;
    const statements: string[] = [];
    const prepare = sqlite.prepare.bind(sqlite);
    sqlite.prepare = ((text: string) => {
      if (text.includes('account_schools')) statements.push(text);
      return prepare(text);
    }) as typeof sqlite.prepare;
    try {
      const accounts = new SqlAccountStore(db.store.db);
      await accounts.findById('no-such-account');
      await accounts.findByUsername('S0000001');
    } finally {
      sqlite.prepare = prepare;
    }

    expect(statements).toHaveLength(2);
    for (const text of statements) {
      const values = Array.from({ length: text.split('?').length - 1 }, () => 'x');
      const plan = (prepare(`explain query plan ${text}`).all(...values) as { detail: string }[]).map((row) => row.detail);
      expect(plan.filter((step) => /^(SCAN|MATERIALIZE)/.test(step))).toEqual([]);
      expect(plan.filter((step) => step.startsWith('SEARCH'))).toHaveLength(4);
    }
  });
});
