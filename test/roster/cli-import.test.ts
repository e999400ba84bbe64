import { join } from 'node:path';
import { openStore } from '../../src/store/database.js';
import { generateDistrict, materialize, writeRoster } from '../helpers/oneroster-generator.js';
import { ENGINES } from '../helpers/server.js';
import { cliWorkspace } from './support.js';

/**
 * `homeroom roster import` with roster.importMemory set: the import runs in a thread with a bounded heap, opens the
 * store from the same configuration, records its run and audit event, and reports as the unbounded one does.
 */
describe.each(ENGINES)('homeroom roster import with a bounded heap (%s)', (engine) => {
  const { work, storeOptions, cli, remove } = cliWorkspace(engine, { roster: { importMemory: 96 } });
  afterAll(remove);

  test('imports, re-imports unchanged, records the runs and their audit events; a missing set fails with exit code 1', async () => {
    const model = materialize(generateDistrict({ students: 1500, staff: 60, schools: 3, enrollmentsPerStudent: 4, seed: 5 }));
    const path = await writeRoster(model, {}, { dir: join(work, 'set') });
    const first = cli('roster', 'import', path, '--json');
    expect(first.stderr).toMatch(/starting, heap bounded to 96 MB/);
    expect(first.stderr).toMatch(/applying enrollments\.csv/); // progress comes from the thread
    expect(first.status).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({
      status: 'applied',
      errors: { count: 0 },
      summary: { accounts: { created: 1560 }, entities: { enrollments: { created: model.enrollments.length } } },
    });

    const again = cli('roster', 'import', path, '--json');
    expect(again.status).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ status: 'applied', summary: { accounts: { created: 0, unchanged: 1560 } } });

    const missing = cli('roster', 'import', join(work, 'nowhere'), '--json');
    expect(missing.status).toBe(1);
    expect(JSON.parse(missing.stdout)).toMatchObject({ status: 'failed' });

    const store = await openStore(storeOptions);
    try {
      const runs = await store.db.selectFrom('roster_runs').select('status').orderBy('started_at').execute();
      expect(runs.map((r) => r.status)).toEqual(['applied', 'applied', 'failed']);
      const events = await store.db.selectFrom('audit_events').select('type').where('type', 'like', 'roster.%').execute();
      expect(events.map((e) => e.type).sort()).toEqual(['roster.import_rejected', 'roster.imported', 'roster.imported']);
    } finally {
      await store.close();
    }
  }, 120_000);
});
