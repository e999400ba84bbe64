import { appendFileSync, cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seconds } from '../../src/admin/roster-runs.js';
import { DEMO_ROSTER_DIR } from '../../src/demo/seed.js';
import { importRoster } from '../../src/roster/import.js';
import { rosterImportDeps } from '../../src/services.js';
import { ENGINES, startTestServer, type TestServer } from '../helpers/server.js';
import { WebClient } from '../helpers/web-client.js';
import { ADMIN, signedIn, STUDENT } from './helpers.js';

/** The text of a page without its tags, whitespace collapsed (what a reader sees). */
const textOf = (html: string) =>
  html
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');

/** The cells of the first table row that `match` accepts (given the row's HTML and its cells as text). */
function rowWhere(html: string, match: (inner: string, cells: string[]) => boolean): string[] {
  for (const [, inner] of html.matchAll(/<tr>([\s\S]*?)<\/tr>/g)) {
    const cells = [...inner.matchAll(/<t[hd][^>]*>([\s\S]*?)<\/t[hd]>/g)].map((m) => textOf(m[1]).trim());
    if (match(inner, cells)) return cells;
  }
  throw new Error('no such row');
}

/** The cells after the row header `label`. */
const rowOf = (html: string, label: string) => rowWhere(html, (_, cells) => cells[0] === label).slice(1);

describe.each(ENGINES)('admin console: roster imports (%s)', (engine) => {
  let server: TestServer;
  let admin: WebClient;
  let work: string;
  let invalidRun: string;

  beforeAll(async () => {
    server = await startTestServer(engine, { overrides: { district: { timeZone: 'America/Toronto' } } });
    admin = await signedIn(server, ADMIN);
    // The demo district came in through the importer (its run is the first); then a set with a bad row, whose
    // class id is also markup.
    work = mkdtempSync(join(tmpdir(), 'homeroom-admin-roster-'));
    cpSync(DEMO_ROSTER_DIR, work, { recursive: true });
    appendFileSync(
      join(work, 'enrollments.csv'),
      'enr-bad,active,2025-08-01T00:00:00.000Z,<script>alert(1)</script>,maple-lakeside,stu-100001,student,false,2025-08-25,2026-06-19\n',
    );
    // And a guardian, who gets no account.
    appendFileSync(join(work, 'users.csv'), 'par-1,active,2025-08-01T00:00:00.000Z,true,,,Rosa,García,,,,,,stu-100001,,,,,,,maple-lakeside,\n');
    appendFileSync(join(work, 'roles.csv'), 'role-par-1,active,2025-08-01T00:00:00.000Z,par-1,primary,guardian,,,maple-lakeside,\n');
    const report = await importRoster(rosterImportDeps(server.services, server.services.store), work, { forceDelta: true });
    expect(report.status).toBe('invalid');
    invalidRun = report.id;
  });
  afterAll(async () => {
    await server.close();
    rmSync(work, { recursive: true, force: true });
  });

  test('leads with the newest import and says the accounts in use come from the last one applied', async () => {
    const page = await admin.get(`${server.url}/admin/roster`);
    expect(page.status).toBe(200);
    const text = textOf(page.html);
    expect(text).toContain('Latest import Not applied: errors');
    expect(text).toContain('The file has 1 error: nothing was changed.');
    const runs = await server.services.rosterRuns.list({ limit: 10 });
    expect(runs.map((r) => r.status)).toEqual(['invalid', 'applied']);
    const demo = runs[1];
    expect(page.html).toContain(`The accounts in use come from the import of <a href="/admin/roster/runs/${demo.id}">`);
    // History: newest first, with the demo's created accounts (every account the roster links to).
    const linked = await server.services.store.db
      .selectFrom('roster_users')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    const history = page.html.slice(page.html.indexOf('All imports'));
    const rows = [...history.matchAll(/<a href="\/admin\/roster\/runs\/([^"]+)"><time/g)].map((m) => m[1]);
    expect(rows).toEqual([invalidRun, demo.id]);
    // Started, result, imported from, rows, created, disabled, errors.
    const demoRow = rowWhere(history, (inner) => inner.includes(`/admin/roster/runs/${demo.id}`));
    expect(demoRow[1]).toBe('Applied');
    expect(demoRow[2]).toBe(DEMO_ROSTER_DIR.replace(/\/$/, ''));
    expect(demoRow[4]).toBe(String(Number(linked.n)));
    expect(demoRow[6]).toBe('0');
    // Times are the district's.
    expect(text).toContain('(America/Toronto)');
  });

  test('an import’s page lists its rows in error, where they are and why, as text', async () => {
    const page = await admin.get(`${server.url}/admin/roster/runs/${invalidRun}`);
    expect(page.status).toBe(200);
    expect(page.html).not.toContain('<script>alert(1)</script>');
    const text = textOf(page.html);
    expect(text).toContain('1 error');
    const row = rowWhere(page.html, (inner) => inner.includes('enr-bad'));
    const escaped = (text: string) => text.replace(/</g, '&lt;').replace(/>/g, '&gt;');
    expect(row).toEqual(['enrollments.csv', '23', 'classSourcedId', 'enr-bad', escaped('class <script>alert(1)</script> is not in classes.csv')]);
    // In French too: the problem is recorded with its message id.
    const fr = await admin.get(`${server.url}/admin/roster/runs/${invalidRun}?lang=fr`);
    await admin.get(`${server.url}/admin/roster?lang=en`);
    expect(rowWhere(fr.html, (inner) => inner.includes('enr-bad'))[4]).toBe(escaped('la classe <script>alert(1)</script> n’est pas dans classes.csv'));
    expect(textOf(fr.html)).toContain('Le fichier contient 1 erreur : rien n’a été modifié.');
    // Users that are not accounts, by their OneRoster role, in either language.
    expect(text).toContain('1 user with the OneRoster role guardian');
    expect(textOf(fr.html)).toContain('1 utilisateur avec le rôle OneRoster guardian');
  });

  test('an applied import shows its accounts by role and by school, as the database has them', async () => {
    const demo = (await server.services.rosterRuns.lastApplied())!;
    const page = await admin.get(`${server.url}/admin/roster/runs/${demo.id}`);
    expect(page.status).toBe(200);
    const db = server.services.store.db;
    const students = await db
      .selectFrom('roster_users as r')
      .innerJoin('account_roles as ar', 'ar.account_id', 'r.account_id')
      .where('ar.role', '=', 'student')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    // Created, updated, disabled, re-enabled, unchanged, rejected, skipped.
    expect(rowOf(page.html, 'Students')).toEqual([String(Number(students.n)), '0', '0', '0', '0', '0', '0']);
    const lakeside = await db
      .selectFrom('account_schools as s')
      .innerJoin('roster_users as r', 'r.account_id', 's.account_id')
      .innerJoin('schools as o', 'o.id', 's.school_id')
      .where('s.school_id', '=', 'maple-lakeside')
      .select(['o.name', (eb) => eb.fn.countAll<number>().as('n')])
      .groupBy('o.name')
      .executeTakeFirstOrThrow();
    expect(rowOf(page.html, `${lakeside.name} (maple-lakeside)`)[0]).toBe(String(Number(lakeside.n)));
    expect(rowOf(page.html, 'users.csv')[0]).toBe('Changes only (delta)');
  });

  test('a refused import explains the guard; pages of older imports follow', async () => {
    const db = server.services.store.db;
    const guard = { activeBefore: 1200, wouldDisable: 360, share: 0.3, limit: 0.1 };
    await db
      .insertInto('roster_runs')
      .values({
        id: '00000000-0000-4000-8000-000000000001',
        started_at: Date.now() + 60_000,
        finished_at: Date.now() + 61_000,
        source: '/srv/sis/tonight.zip',
        mode: 'apply',
        status: 'refused',
        summary: JSON.stringify({ guard, rows: 5000, durationMs: 1000 }),
        errors: '{}',
      })
      .execute();
    await db
      .insertInto('roster_runs')
      .values(
        Array.from({ length: 20 }, (_, i) => ({
          id: `00000000-0000-4000-8000-1000000000${String(i).padStart(2, '0')}`,
          started_at: Date.UTC(2025, 0, 1, 0, i),
          finished_at: Date.UTC(2025, 0, 1, 0, i, 30),
          source: `/srv/sis/old-${i}.zip`,
          mode: 'dry-run',
          status: 'dry-run',
          summary: '{}',
          errors: '{}',
        })),
      )
      .execute();
    try {
      const first = await admin.get(`${server.url}/admin/roster`);
      const text = textOf(first.html);
      // Numbers are written the page language's way: 1,200 in English, 1 200 in French (a narrow no-break space, which textOf turns into a space).
      expect(text).toContain('Refused: this import would have disabled 360 of 1,200 active accounts (30 %, more than the 10 % allowed).');
      expect(first.html).toContain('href="/admin/roster?page=2" rel="next"');
      const second = await admin.get(`${server.url}/admin/roster?page=2`);
      expect(second.status).toBe(200);
      // 23 runs in all, 20 a page: the oldest three (dry runs of 2025) are on the second page.
      expect([...second.html.matchAll(/\/srv\/sis\/old-(\d+)\.zip/g)].map((m) => m[1])).toEqual(['2', '1', '0']);
      expect(second.html).toContain('href="/admin/roster" rel="prev"');
      expect(second.html).not.toContain('rel="next"');

      const fr = textOf((await admin.get(`${server.url}/admin/roster?lang=fr`)).html);
      expect(fr).toContain('Imports du répertoire');
      expect(fr).toContain('Refusé : cet import aurait désactivé 360 des 1 200 comptes actifs');
    } finally {
      await db.deleteFrom('roster_runs').where('id', 'like', '00000000-0000-4000-8000-%').execute();
      await admin.get(`${server.url}/admin/roster?lang=en`);
    }
  });

  test('only administrators see imports; an unknown import is not found', async () => {
    const student = await signedIn(server, STUDENT);
    expect((await student.get(`${server.url}/admin/roster`)).status).toBe(403);
    expect((await student.get(`${server.url}/admin/roster/runs/${invalidRun}`)).status).toBe(403);
    expect((await admin.get(`${server.url}/admin/roster/runs/00000000-0000-4000-8000-00000000ffff`)).status).toBe(404);
    expect((await admin.get(`${server.url}/admin/roster/runs/not-a-run`)).status).toBe(404);
    expect((await admin.get(`${server.url}/admin`)).html).toContain('href="/admin/roster"');
  });
});

describe("a roster run's duration", () => {
  test('is shown in hundredths of a second under a second (a small run is not "0 s"), in tenths above', () => {
    expect([30, 940, 999, 1000, 1049, 12_345].map(seconds)).toEqual([0.03, 0.94, 1, 1, 1, 12.3]);
  });
});
