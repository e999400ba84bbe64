import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startOfDay } from '../../src/admin/audit.js';
import { csvCell } from '../../src/shared/csv-cell.js';
import { ENGINES, startTestServer, type TestServer } from '../helpers/server.js';
import { WebClient } from '../helpers/web-client.js';
import { ADMIN, signedIn, STUDENT } from './helpers.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** A minimal RFC 4180 reader: what a spreadsheet program does with the export. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i += 1;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i += 1;
    } else cell += c;
  }
  if (cell || row.length) rows.push([...row, cell]);
  return rows;
}

describe.each(ENGINES)('admin console: audit log (%s)', (engine) => {
  let server: TestServer;
  let admin: WebClient;
  let adminId: string;
  let anaId: string;

  beforeAll(async () => {
    server = await startTestServer(engine, { overrides: { district: { timeZone: 'America/Toronto' } } });
    admin = await signedIn(server, ADMIN);
    adminId = (await server.services.accounts.findByUsername('admin'))!.id;
    anaId = (await server.services.accounts.findByUsername('S0100001'))!.id;
    // A login failure and success for Ana, and events with awkward text.
    const wrong = new WebClient();
    await wrong.get(`${server.url}/`);
    await wrong.submit('/username', { username: 'S0100001' });
    await wrong.submit('/password', { password: 'not-her-password' });
    await signedIn(server, STUDENT);
    await server.services.events.emit({ type: 'test.note', actorId: adminId, subjectId: anaId, data: { note: '=HYPERLINK("http://evil.example")', name: 'Léa Côté, "Zoé"' } });
  });
  afterAll(() => server.close());

  test('search by user, actor, type (or family) and dates; newest first', async () => {
    let page = await admin.get(`${server.url}/admin/audit?user=s0100001`);
    expect(page.status).toBe(200);
    expect(page.html).toContain('login.failed');
    expect(page.html).toContain('login.succeeded');
    expect(page.html).not.toContain('<code>policy.changed</code>');
    const order = [...page.html.matchAll(/<code>([a-z_.]+)<\/code>/g)].map((m) => m[1]);
    expect(order.indexOf('test.note')).toBeLessThan(order.indexOf('login.succeeded'));
    expect(order.indexOf('login.succeeded')).toBeLessThan(order.indexOf('login.failed'));

    page = await admin.get(`${server.url}/admin/audit?actor=ADMIN&type=test.note`);
    expect(page.html).toContain('test.note');
    expect(page.html).toContain('S0100001'); // the subject, by username
    expect(page.html).not.toContain('<code>login.failed</code>');

    page = await admin.get(`${server.url}/admin/audit?type=login.*&user=S0100001`);
    expect(page.html).toContain('<code>login.failed</code>');
    expect(page.html).not.toContain('<code>test.note</code>');

    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'America/Toronto' }).format(new Date());
    page = await admin.get(`${server.url}/admin/audit?from=${today}&to=${today}&type=test.note`);
    expect(page.html).toContain('<code>test.note</code>');
    page = await admin.get(`${server.url}/admin/audit?from=2020-01-01&to=2020-01-31`);
    expect(page.html).toContain('No events match.');

    page = await admin.get(`${server.url}/admin/audit?from=2026-05-10&to=2026-05-01`);
    expect(page.status).toBe(400);
    expect(admin.alert()).toContain('The end date is before the start date.');
    page = await admin.get(`${server.url}/admin/audit?from=yesterday`);
    expect(page.status).toBe(400);
  });

  test('days are whole days in the district’s time zone', () => {
    // Midnight in Toronto in summer is 04:00 UTC, in winter 05:00 UTC.
    expect(new Date(startOfDay('2026-08-10', 'America/Toronto')).toISOString()).toBe('2026-08-10T04:00:00.000Z');
    expect(new Date(startOfDay('2026-01-10', 'America/Toronto')).toISOString()).toBe('2026-01-10T05:00:00.000Z');
    expect(new Date(startOfDay('2026-03-08', 'America/Toronto')).toISOString()).toBe('2026-03-08T05:00:00.000Z');
    expect(new Date(startOfDay('2026-08-10', 'UTC')).toISOString()).toBe('2026-08-10T00:00:00.000Z');
  });

  test('pages of 50, newest first, with links to older and newer events', async () => {
    for (let i = 0; i < 60; i += 1) await server.services.events.emit({ type: 'test.bulk', data: { i } });
    let page = await admin.get(`${server.url}/admin/audit?type=test.bulk`);
    expect(page.html.match(/<code>test\.bulk<\/code>/g)).toHaveLength(50);
    expect(page.html).toContain('{&#34;i&#34;:59}');
    expect(page.html).toContain('rel="next"');
    page = await admin.get(`${server.url}/admin/audit?type=test.bulk&page=2`);
    expect(page.html.match(/<code>test\.bulk<\/code>/g)).toHaveLength(10);
    expect(page.html).toContain('{&#34;i&#34;:0}');
    expect(page.html).toContain('rel="prev"');
    expect(page.html).not.toContain('rel="next"');
  });

  test('the CSV export opens correctly: UTF-8 with a BOM, quoted cells, accents intact, no formulas', async () => {
    const response = await fetch(`${server.url}/admin/audit.csv?user=S0100001`, { headers: { cookie: [...admin.cookies].map(([k, v]) => `${k}=${v}`).join('; ') } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(response.headers.get('content-disposition')).toMatch(/^attachment; filename="homeroom-audit-\d{4}-\d{2}-\d{2}\.csv"$/);
    const bytes = Buffer.from(await response.arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const rows = parseCsv(bytes.toString('utf8').slice(1));
    expect(rows[0]).toEqual(['time_utc', 'time_local', 'type', 'actor_username', 'actor_id', 'subject_username', 'subject_id', 'ip', 'details']);
    expect(rows.every((r) => r.length === 9)).toBe(true);
    const note = rows.find((r) => r[2] === 'test.note')!;
    expect(note[3]).toBe('admin');
    expect(note[5]).toBe('S0100001');
    const details = JSON.parse(note[8]);
    expect(details.name).toBe('Léa Côté, "Zoé"');
    expect(rows.find((r) => r[2] === 'login.failed')).toBeDefined();

    // The export itself is audited.
    expect((await server.services.audit.recent({ type: 'audit.exported' }))[0].actorId).toBe(adminId);
  });

  test('cells that a spreadsheet would run as formulas are neutralised', () => {
    expect(csvCell('=1+2')).toBe("'=1+2");
    expect(csvCell('+33 1 23')).toBe("'+33 1 23");
    expect(csvCell('-5')).toBe("'-5");
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell('=HYPERLINK("x","y")')).toBe('"\'=HYPERLINK(""x"",""y"")"');
    expect(csvCell('Côté, Léa')).toBe('"Côté, Léa"');
    expect(csvCell('line\nbreak')).toBe('"line\nbreak"');
    expect(csvCell(null)).toBe('');
    expect(csvCell('plain')).toBe('plain');
  });

  test('append-only from the application’s side: no code updates or deletes audit events', () => {
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) walk(path);
        else if (entry.name.endsWith('.ts')) {
          const text = readFileSync(path, 'utf8');
          if (/(updateTable|deleteFrom)\(\s*['"]audit_events/.test(text) || /(update|delete\s+from)\s+"?audit_events/i.test(text)) offenders.push(path);
        }
      }
    };
    walk(join(ROOT, 'src'));
    expect(offenders).toEqual([]);
  });
});
