import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import { startTestServer, type TestServer } from '../helpers/server.js';

/** SQLite's checkpoints (the log copied into the database file, with an fsync) run on a thread, not in a request. */
describe('SQLite write-ahead log checkpoints', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer('sqlite', { demo: false });
  });
  afterAll(async () => {
    await server?.close();
  });

  test('the serving connection leaves them to a thread: a 2 MB write reaches the database file within seconds', async () => {
    const sqlite = server.services.store.raw.sqlite!;
    // It would checkpoint only past 10,000 pages (40 MB): far more than this test writes.
    expect(sqlite.pragma('wal_autocheckpoint', { simple: true })).toBe(10_000);
    const file = server.database.options.file!;
    sqlite.exec('create table checkpoint_probe (data blob)');
    const before = statSync(file).size;
    sqlite.prepare('insert into checkpoint_probe (data) values (?)').run(randomBytes(2_000_000));

    const deadline = Date.now() + 10_000;
    while (statSync(file).size < before + 2_000_000 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(statSync(file).size).toBeGreaterThanOrEqual(before + 2_000_000);
  });
});
