import { randomUUID } from 'node:crypto';
import { ENGINES, startTestServer, type TestServer } from '../helpers/server.js';
import { WebClient } from '../helpers/web-client.js';
import { ADMIN, signedIn, STUDENT, TEACHER } from './helpers.js';

const TEMPLATES = { student: '{username}@students.maple.example' };

const text = (html: string, id: string) =>
  new RegExp(`id="${id}"[^>]*>([\\s\\S]*?)</(?:dd|p|code)>`)
    .exec(html)?.[1]
    .replace(/<[^>]+>/g, '')
    .replace(/\s+/g, ' ')
    .trim() ?? null;
/** The account links of a result list, in order. */
const listed = (html: string) => [...html.matchAll(/<th scope="row"><a href="\/admin\/accounts\/([^"]+)">/g)].map((m) => m[1]);

/** Finding an account in the console and its page: who it is, its Google address, second factors and events. */
describe.each(ENGINES)('admin console: accounts (%s)', (engine) => {
  let server: TestServer;
  let admin: WebClient;
  const idOf = async (username: string) => (await server.services.accounts.findByUsername(username))!.id;

  beforeAll(async () => {
    server = await startTestServer(engine, { overrides: { email: { templates: TEMPLATES } } });
    admin = await signedIn(server, ADMIN);
    // Thirty students of one family name (more than a page), and a few near-misses around it.
    for (let i = 0; i < 30; i++) {
      await server.services.accounts.create({
        username: `zq${String(i).padStart(2, '0')}`,
        givenName: i === 7 ? 'Ana' : `Kid${String(i).padStart(2, '0')}`,
        familyName: 'Zquist',
        studentId: `9${String(i).padStart(5, '0')}`,
        grade: '03',
        roles: ['student'],
      });
    }
    for (const [username, familyName] of [
      ['zqa', 'Zquisa'],
      ['zqb', 'Zquista-Long'],
      ['zqc', 'Zq_ist'],
    ]) {
      await server.services.accounts.create({ username, givenName: 'Other', familyName, roles: ['staff'] });
    }
  });
  afterAll(() => server?.close());

  const search = (q: string, extra = '') => admin.get(`${server.url}/admin/accounts?q=${encodeURIComponent(q)}${extra}`);

  test('the console links the account search from its navigation; an empty search shows the form only', async () => {
    const home = await admin.get(`${server.url}/admin`);
    expect(home.html).toContain('<a href="/admin/accounts">Accounts</a>');
    const page = await admin.get(`${server.url}/admin/accounts`);
    expect(page.status).toBe(200);
    expect(page.html).toContain('role="search"');
    expect(page.html).not.toContain('id="results"');
  });

  test('by username, whatever its case, and by student number as families type it (leading zeros, an S)', async () => {
    const ana = await idOf(STUDENT.username);
    for (const q of ['s0100001', 'S0100001', '100001', '0100001', 'S100001']) expect(listed((await search(q)).html)[0]).toBe(ana);
    expect(listed((await search('MRIVERA')).html)).toEqual([await idOf('mrivera')]);
  });

  test('by name: the beginning of the family name, "Given Family", "Family Given" and "Family, Given", paged in name order', async () => {
    const first = await search('zquist');
    expect(first.status).toBe(200);
    const page1 = listed(first.html);
    // "zquist" starts Zquist (30) and Zquista-Long (1): 25 on the first page, in given-name order.
    expect(page1).toHaveLength(25);
    expect(first.html).toContain('rel="next"');
    const second = await admin.get(`${server.url}${/href="([^"]+)" rel="next"/.exec(first.html)![1].replace(/&amp;/g, '&')}`);
    const page2 = listed(second.html);
    expect(page2).toHaveLength(6);
    expect(second.html).not.toContain('rel="next"');
    expect(second.html).toContain('rel="prev"');
    expect(new Set([...page1, ...page2]).size).toBe(31);
    const names = [...first.html.matchAll(/<a href="\/admin\/accounts\/[^"]+">([^<]+)<\/a>/g)].map((m) => m[1]);
    expect(names.slice(0, 3)).toEqual(['Zquist, Ana', 'Zquist, Kid00', 'Zquist, Kid01']);

    const anaZquist = await idOf('zq07');
    for (const q of ['Ana Zquist', 'ana zqu', 'Zquist Ana', 'Zquist, Ana', 'ZQUIST,ANA']) expect(listed((await search(q)).html)).toEqual([anaZquist]);
    expect(listed((await search('Zquisa')).html)).toEqual([await idOf('zqa')]);
    // Accented names and apostrophes are matched as written.
    expect(listed((await search('Garcí')).html)).toEqual([await idOf(STUDENT.username)]);
    expect(listed((await search("O'Connor")).html)).toEqual([await idOf('S0100004')]);
  });

  test('LIKE wildcards are plain characters, nothing found says so, and a malformed search is a 400', async () => {
    expect(listed((await search('Zq_')).html)).toEqual([await idOf('zqc')]);
    expect(listed((await search('%')).html)).toEqual([]);
    const none = await search('Nobody-by-this-name');
    expect(none.status).toBe(200);
    expect(none.html).toContain('No account matches “Nobody-by-this-name”.');
    expect((await search('x'.repeat(101))).status).toBe(400);
    expect((await search('zquist', '&page=0')).status).toBe(400);
    const french = await (await signedIn(server, ADMIN)).get(`${server.url}/admin/accounts?q=Nobody&lang=fr`);
    expect(french.html).toContain('Aucun compte ne correspond à « Nobody ».');
  });

  test("an account's page: who it is, its claim, its Google address from the template, no secrets of its second factor", async () => {
    const ana = await idOf(STUDENT.username);
    await signedIn(server, STUDENT);
    const secret = `SEALED-${randomUUID()}`;
    await server.services.store.db
      .insertInto('mfa_factors')
      .values({ id: randomUUID(), account_id: ana, kind: 'totp', name: 'Phone of Ana', secret_sealed: secret, last_step: null, created_at: Date.now(), last_used_at: null })
      .execute();
    await server.services.events.emit({ type: 'account.test_event', subjectId: ana, data: {} });

    const page = await admin.get(`${server.url}/admin/accounts/${ana}`);
    expect(page.status).toBe(200);
    expect(page.html).toContain('<h1>Ana García</h1>');
    expect(text(page.html, 'username')).toBe('S0100001');
    expect(text(page.html, 'roles')).toBe('Student');
    expect(text(page.html, 'schools')).toBe('Lakeside Elementary School');
    expect(text(page.html, 'grade')).toBe('05');
    expect(text(page.html, 'student-id')).toBe('100001');
    expect(text(page.html, 'claim')).toMatch(/^Claimed on /);
    expect(text(page.html, 'last-login')).not.toBe('Never');
    expect(text(page.html, 'google-email')).toBe('s0100001@students.maple.example');
    expect(page.html).toContain('from the district');
    expect(text(page.html, 'factors-count')).toBe('1 authenticator app enrolled. 0 unused recovery codes.');
    expect(page.html).toContain('Phone of Ana');
    expect(page.html).not.toContain(secret);
    expect(page.html).toContain('account.test_event');
    expect(page.html).toContain(`href="/admin/audit?user=S0100001"`);
  });

  test('a teacher with a roster address, and an unclaimed account that has no address and says why', async () => {
    const teacher = await admin.get(`${server.url}/admin/accounts/${await idOf('mrivera')}`);
    expect(text(teacher.html, 'google-email')).toBe('mrivera@maple.example');
    expect(teacher.html).toContain('from the roster');
    expect(text(teacher.html, 'factors-count')).toBe('0 authenticator apps enrolled.');

    const staff = await admin.get(`${server.url}/admin/accounts/${await idOf('zqa')}`);
    expect(text(staff.html, 'google-none')).toContain('there is no address template for its role');
    expect(text(staff.html, 'claim')).toBe('Not claimed yet');
    expect(text(staff.html, 'last-login')).toBe('Never');
    expect(text(staff.html, 'no-events')).toBe('The audit log has no events about this account.');
  });

  test('the audit log and the targeted accounts link the accounts they name', async () => {
    const ana = await idOf(STUDENT.username);
    const log = await admin.get(`${server.url}/admin/audit?user=S0100001`);
    expect(log.html).toContain(`<a href="/admin/accounts/${ana}">S0100001</a>`);
    const noah = await idOf('S0100002');
    expect((await admin.get(`${server.url}/admin/lockouts`)).html).not.toContain(`href="/admin/accounts/${noah}"`);
    await server.services.throttle.attempt('login:account:s0100002', server.services.config.login.perAccount);
    const lockouts = await admin.get(`${server.url}/admin/lockouts`);
    expect(lockouts.html).toContain(`<a href="/admin/accounts/${noah}">Noah Tremblay</a>`);
  });

  test('only administrators see account pages; an unknown account is a 404', async () => {
    const ana = await idOf(STUDENT.username);
    for (const who of [TEACHER, STUDENT]) {
      const client = await signedIn(server, who);
      expect((await client.get(`${server.url}/admin/accounts?q=ana`)).status).toBe(403);
      expect((await client.get(`${server.url}/admin/accounts/${ana}`)).status).toBe(403);
    }
    expect((await admin.get(`${server.url}/admin/accounts/${randomUUID()}`)).status).toBe(404);
    expect((await admin.get(`${server.url}/admin/accounts/${'x'.repeat(65)}`)).status).toBe(404);
  });
});
