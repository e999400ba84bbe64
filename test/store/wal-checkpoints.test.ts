import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
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

  test('the thread never keeps a process alive, and stopping it waits for its last checkpoint', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'homeroom-checkpointer-'));
    const src = resolve('src');
    const script = join(dir, 'run.mts');
    writeFileSync(
      script,
      [
        `import { openSqlite } from '${src}/store/sqlite-connection.js';`,
        `import { startWalCheckpointer } from '${src}/store/wal-checkpointer.js';`,
        `import { createLogger } from '${src}/shared/log.js';`,
        `const db = openSqlite('${join(dir, 'homeroom.db')}');`,
        `db.exec('create table if not exists t (x)');`,
        `const checkpointer = startWalCheckpointer('${join(dir, 'homeroom.db')}', db, createLogger('silent'));`,
        `if (process.argv[2] === 'stop') { await checkpointer.stop(); console.log('stopped'); }`,
      ].join('\n'),
    );
    try {
      const run = (mode: string) => promisify(execFile)(process.execPath, ['--import', 'tsx', script, mode], { timeout: 15_000, env: { ...process.env, NODE_OPTIONS: '' } });
      // Left running, the thread lets the process end at once (a CLI command, a test run).
      await expect(run('leave')).resolves.toMatchObject({ stdout: '' });
      // Stopped, it is waited for, and the process goes on afterwards.
      await expect(run('stop')).resolves.toMatchObject({ stdout: 'stopped\n' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 40_000);
});
