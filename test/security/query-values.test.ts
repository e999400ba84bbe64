import { ENGINES, startTestServer, type TestServer } from '../helpers/server.js';
import { WebClient } from '../helpers/web-client.js';
import { ADMIN, signedIn } from '../admin/helpers.js';

/**
 * Finding 8 of the outside test, the way it was found: `GET /admin/audit?to=9999-12-31` (and the CSV) answered 500.
 * Every date, number and id read from a query string is now checked by one reader: a malformed one is a 400 with a
 * translated message naming the parameter, a far but real date is simply a date.
 */
describe.each(ENGINES)('dates, numbers and ids in query strings (%s)', (engine) => {
  let server: TestServer;
  let admin: WebClient;
  beforeAll(async () => {
    server = await startTestServer(engine);
    admin = await signedIn(server, ADMIN);
  }, 60_000);
  afterAll(() => server.close());

  const text = (html: string) =>
    html
      .replace(/<[^>]+>/g, ' ')
      .replace(/&#39;|&#34;/g, "'")
      .replace(/\s+/g, ' ');

  test('the last day there is, and the first: the audit log and its export answer, with the events they cover', async () => {
    const page = await admin.get(`${server.url}/admin/audit?from=1000-01-01&to=9999-12-31&type=login.succeeded`);
    expect(page.status).toBe(200);
    expect(page.html).toContain('login.succeeded');
    const csv = await admin.get(`${server.url}/admin/audit.csv?to=9999-12-31&type=login.succeeded`);
    expect(csv.status).toBe(200);
    expect(csv.html.split('\r\n').filter((l) => l.includes('login.succeeded')).length).toBeGreaterThan(0);
  });

  test('dates that do not exist or that nobody means: the form says what to correct (400), the export says so too', async () => {
    for (const value of ['2026-02-30', '0000-01-01', '0999-12-31', '+10000-01-01', '2026-1-1', '9999-12-31T00:00']) {
      const page = await admin.get(`${server.url}/admin/audit?to=${encodeURIComponent(value)}`);
      expect({ value, status: page.status }).toEqual({ value, status: 400 });
      expect(page.html).toContain('Enter a date as YYYY-MM-DD');
      const csv = await admin.get(`${server.url}/admin/audit.csv?to=${encodeURIComponent(value)}`);
      expect({ value, status: csv.status }).toEqual({ value, status: 400 });
    }
  });

  test('page numbers, counts and ids: malformed is a translated 400 naming the parameter', async () => {
    const cases: [string, string][] = [
      ['/admin/audit?page=-5', '“page” in the address must be a whole number from 1 to 10,000.'],
      ['/admin/audit?page=1e400', '“page” in the address must be a whole number from 1 to 10,000.'],
      ['/admin/audit?page=10001', '“page” in the address must be a whole number from 1 to 10,000.'],
      ['/admin/roster?page=abc', '“page” in the address must be a whole number from 1 to 10,000.'],
      ['/admin/audit?type=a&type=b', 'The address gives “type” more than once.'],
      ['/admin/audit.csv?user=a&user=b', 'The address gives “user” more than once.'],
      [`/admin/audit?actor=${'x'.repeat(201)}`, 'The value of “actor” in the address is too long (at most 200 characters).'],
      ['/helpdesk?approved=NaN', '“approved” in the address must be a whole number from 0 to 1,000.'],
      ['/helpdesk?skipped=-1', '“skipped” in the address must be a whole number from 0 to 1,000.'],
      ['/claim?interaction=%3Cscript%3E', '“interaction” in the address is not a valid identifier.'],
      ['/recover?interaction=..%2F..%2Fetc', '“interaction” in the address is not a valid identifier.'],
    ];
    for (const [path, message] of cases) {
      const page = await admin.get(`${server.url}${path}`);
      expect({ path, status: page.status }).toEqual({ path, status: 400 });
      expect(text(page.html)).toContain(message);
      expect(page.html).toContain('BAD_QUERY');
    }
    const french = await admin.get(`${server.url}/admin/audit?page=0&lang=fr`);
    expect(french.status).toBe(400);
    // text() makes French's narrow no-break space a plain space.
    expect(text(french.html)).toContain('« page » dans l’adresse doit être un nombre entier de 1 à 10 000.');
    const json = await fetch(`${server.url}/admin/audit.csv?page=x&to=2026-13-01`, {
      headers: { accept: 'application/json', cookie: [...admin.cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
    });
    expect(json.status).toBe(400);
    expect(await json.json()).toMatchObject({ error: 'BAD_FILTER' });
  });

  test('well-formed values still work', async () => {
    for (const path of ['/admin/audit?page=1', '/admin/roster?page=2', '/helpdesk?approved=3&skipped=0', '/admin/audit?from=2026-01-01&to=2026-12-31']) {
      const page = await admin.get(`${server.url}${path}`);
      expect({ path, status: page.status }).toEqual({ path, status: 200 });
    }
    const claim = await new WebClient().get(`${server.url}/claim?interaction=abcdefghij0123`);
    expect(claim.status).toBe(200);
  });
});
