import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { openStore } from '../../src/store/database.js';
import { generateDistrict, writeRoster } from '../helpers/oneroster-generator.js';
import { ENGINES } from '../helpers/server.js';
import { cliWorkspace, rosterDigest } from './support.js';

/**
 * `homeroom roster import` as an operator runs it, killed with SIGKILL in the middle of its apply transaction: the
 * database must still hold the previous roster, whole, and the next run must succeed.
 */
describe.each(ENGINES)('killing the importer mid-apply (%s)', (engine) => {
  const { work, env, storeOptions, cli, remove } = cliWorkspace(engine);
  afterAll(remove);

  test('SIGKILL during the apply step leaves the previous roster intact, and a rerun succeeds', async () => {
    const before = await writeRoster(generateDistrict({ students: 2000, staff: 80, schools: 4, enrollmentsPerStudent: 4, seed: 1 }), {}, { dir: join(work, 'before') });
    const first = cli('roster', 'import', before, '--json');
    expect(first.status).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ status: 'applied', summary: { accounts: { created: 2080 } } });

    const store = await openStore(storeOptions);
    try {
      const previous = await rosterDigest(store);

      // A much bigger set, so that its apply step takes long enough to be interrupted.
      const after = await writeRoster(generateDistrict({ students: 15000, staff: 600, schools: 10, enrollmentsPerStudent: 6, seed: 2 }), {}, { dir: join(work, 'after') });
      const child = spawn(process.execPath, ['bin/homeroom.js', 'roster', 'import', after, '--json'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      let killedDuring = '';
      child.stderr.setEncoding('utf8');
      child.stderr.on('data', (chunk: string) => {
        stderr += chunk;
        // The apply transaction is open from "applying orgs" on; wait until accounts are being written.
        if (!killedDuring && /applying users/.test(stderr)) {
          killedDuring = stderr.trim().split('\n').at(-1)!;
          setTimeout(() => child.kill('SIGKILL'), 20);
        }
      });
      const exit = await new Promise<{ code: number | null; signal: string | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
      expect(killedDuring).toMatch(/applying users/);
      expect(exit).toEqual({ code: null, signal: 'SIGKILL' });

      expect(await rosterDigest(store)).toBe(previous);
      if (engine === 'sqlite') expect(store.raw.sqlite!.pragma('integrity_check', { simple: true })).toBe('ok');

      const rerun = cli('roster', 'import', after, '--json');
      expect(rerun.stderr).not.toMatch(/error:/);
      expect(rerun.status).toBe(0);
      const report = JSON.parse(rerun.stdout);
      expect(report).toMatchObject({ status: 'applied', errors: { count: 0 } });
      // The first set's users (same sourcedIds) are updated, the rest created.
      expect(report.summary.accounts.created).toBe(15600 - 2080);
      const status = cli('roster', 'status', '--limit', '3', '--json');
      expect(JSON.parse(status.stdout).map((r: { status: string }) => r.status)).toEqual(['applied', 'interrupted', 'applied']);
    } finally {
      await store.close();
    }
  }, 180_000);
});
