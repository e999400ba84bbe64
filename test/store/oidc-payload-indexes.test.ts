import { sql } from 'kysely';
import { migratedStore, type MigratedStore } from '../helpers/factories.js';
import { ENGINES } from '../helpers/server.js';

/** The provider's lookups by grant, uid, user code and account use indexes that hold only the rows with that value. */
describe.each(ENGINES)('oidc_payloads indexes (%s)', (engine) => {
  let db: MigratedStore;

  beforeAll(async () => {
    db = await migratedStore(engine);
  });
  afterAll(async () => {
    await db?.close();
  });

  async function plan(query: string): Promise<string> {
    const rows = await db.store.db.connection().execute(async (connection) => {
      if (engine === 'sqlite') return (await sql.raw(`explain query plan ${query}`).execute(connection)).rows;
      // PostgreSQL would read a table this small from start to end; only whether it can use each index matters here.
      await sql`set enable_seqscan = off`.execute(connection);
      return (await sql.raw(`explain ${query}`).execute(connection)).rows;
    });
    return (rows as Record<string, string>[]).map((row) => row.detail ?? row['QUERY PLAN']).join('\n');
  }

  async function definition(index: string): Promise<string> {
    const found =
      engine === 'sqlite'
        ? await sql<{ text: string }>`select sql as text from sqlite_master where type = 'index' and name = ${index}`.execute(db.store.db)
        : await sql<{ text: string }>`select indexdef as text from pg_indexes where indexname = ${index} and schemaname = current_schema()`.execute(db.store.db);
    return found.rows[0]?.text ?? '';
  }

  test.each([
    ['oidc_payloads_uid', 'uid', `select payload from oidc_payloads where kind = 'Session' and uid = 'u'`],
    ['oidc_payloads_user_code', 'user_code', `select payload from oidc_payloads where kind = 'DeviceCode' and user_code = 'c'`],
    ['oidc_payloads_grant', 'grant_id', `delete from oidc_payloads where grant_id in ('g1', 'g2')`],
    ['oidc_payloads_account', 'account_id', `select payload from oidc_payloads where kind = 'Session' and account_id = 'a'`],
  ])('%s holds only the rows with a value in %s, and serves its lookup', async (index, column, query) => {
    expect((await definition(index)).toLowerCase()).toMatch(new RegExp(`where \\(?"?${column}"? is not null\\)?`));
    expect(await plan(query)).toContain(index);
  });
});
