import { ENGINES, startTestServer, type TestServer } from '../helpers/server.js';
import { signIn, WebClient, type Page } from '../helpers/web-client.js';
import { buildDistrict, PASSWORD, SCHOOL_A, SCHOOL_B, type Fixture } from './fixture.js';
import { cards, chartRows, chartSummary, deadlineLine, tableRows } from './pages.js';

/**
 * The readiness dashboard over HTTP, against the hand-computed district of fixture.ts: every figure at every level
 * (district, school, grade, class, a teacher's classes), the drill-down links, who may see what, the CSV of students
 * not ready, the chart's text alternative, the deadline, and the first sign-in recorded by the real login.
 */
describe.each(ENGINES)('readiness dashboard (%s)', (engine) => {
  let server: TestServer;
  let district: Fixture;
  let admin: WebClient;
  const actor = { id: 'test', ip: null };
  const addDays = (date: string, days: number) => new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
  const longDate = (locale: string, date: string) => new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone: 'UTC' }).format(new Date(`${date}T00:00:00Z`));

  async function as(username: string, password: string, start = '/'): Promise<WebClient> {
    const client = new WebClient();
    const page = await signIn(client, `${server.url}${start}`, username, password);
    if (!page.url.startsWith(server.url)) throw new Error(`sign-in of ${username} failed: ${page.status} ${page.url}`);
    return client;
  }
  const get = async (client: WebClient, path: string): Promise<Page> => client.get(`${server.url}${path}`);

  async function csv(client: WebClient, path: string): Promise<{ status: number; bytes: Buffer; text: string; lines: string[]; disposition: string | null; type: string | null }> {
    const response = await fetch(`${server.url}${path}`, { headers: { cookie: [...client.cookies].map(([k, v]) => `${k}=${v}`).join('; ') }, redirect: 'manual' });
    const bytes = Buffer.from(await response.arrayBuffer());
    const text = bytes.toString('utf8');
    return {
      status: response.status,
      bytes,
      text,
      lines: text
        .replace(/^\uFEFF/, '')
        .split('\r\n')
        .filter(Boolean),
      disposition: response.headers.get('content-disposition'),
      type: response.headers.get('content-type'),
    };
  }

  beforeAll(async () => {
    server = await startTestServer(engine, { demo: false });
    district = await buildDistrict(server.services);
    await server.services.policies.save({ 'readiness.deadline': addDays(district.today, 10) }, actor);
    admin = await as('dana', PASSWORD.admin);
  });
  afterAll(() => server?.close());

  test('district: active students, claimed %, signed in at least once %, not ready, days left; schools and grades', async () => {
    const page = await get(admin, '/admin/readiness');
    expect(page.status).toBe(200);
    expect(cards(page.html)).toEqual({ active: '9', claimed: '6', claimedShare: '66.7% of students', signedIn: '5', signedInShare: '55.6% of students', notReady: '5' });
    expect(deadlineLine(page.html)).toBe(`Deadline: ${longDate('en', addDays(district.today, 10))}. 10 days left.`);
    // name, active, claimed, % claimed, signed in, % signed in, not ready
    expect(tableRows(page.html, 'schools').map((r) => [r.name, ...r.cells])).toEqual([
      [SCHOOL_A.name, '5', '3', '60%', '2', '40%', '3'],
      [SCHOOL_B.name, '4', '2', '50%', '3', '75%', '2'],
      ['In no school', '1', '1', '100%', '0', '0%', '1'],
    ]);
    expect(tableRows(page.html, 'grades').map((r) => [r.name, ...r.cells])).toEqual([
      ['No grade', '1', '1', '100%', '0', '0%', '1'],
      ['Grade 04', '4', '3', '75%', '3', '75%', '2'],
      ['Grade 05', '4', '2', '50%', '2', '50%', '2'],
    ]);
  });

  test('the chart has a text alternative: a summary sentence and the figures day by day', async () => {
    const page = await get(admin, '/admin/readiness');
    expect(page.html).toMatch(/<svg class="chart-svg"[^>]*role="img" aria-labelledby="chart-title" aria-describedby="chart-summary"/);
    expect(page.html).toContain('<title id="chart-title">Claimed and signed in, day by day</title>');
    // Two lines drawn from points, never an inline style (the CSP forbids it).
    expect(page.html).toMatch(/<polyline class="chart-line chart-claimed" points="[\d.]+,[\d.]+( [\d.]+,[\d.]+)+"\/>/);
    expect(page.html).toMatch(/<polyline class="chart-line chart-signed-in" points="[\d.]+,[\d.]+( [\d.]+,[\d.]+)+"\/>/);
    expect(page.html).not.toMatch(/\sstyle=/);
    const summary = chartSummary(page.html);
    expect(summary).toContain(`On ${longDate('en', district.today)}, 6 of 9 students (66.7%) had claimed their account and 5 (55.6%) had signed in at least once.`);
    expect(summary).toContain('5 students are not ready yet, with 10 days left.');
    // End of each day: claimed and signed in (the claim with no date counts from the start).
    const day = (n: number) => longDate('en', addDays(district.today, -n));
    const rows = chartRows(page.html);
    expect([6, 5, 4, 3, 2, 1, 0].map((n) => [n, ...(rows.get(day(n)) ?? [])])).toEqual([
      [6, '1', '0'],
      [5, '2', '1'],
      [4, '2', '2'],
      [3, '3', '2'],
      [2, '4', '3'],
      [1, '6', '4'],
      [0, '6', '5'],
    ]);
    // The chart reaches the deadline; the table stops at today.
    expect(rows.has(day(-1))).toBe(false);
    expect(page.html).toMatch(/<line class="chart-deadline"/);
  });

  test('drill-down: district → school → grade → class, each with its own figures', async () => {
    const top = await get(admin, '/admin/readiness');
    const schoolA = tableRows(top.html, 'schools')[0];
    expect(schoolA.href).toBe(`/admin/readiness/schools/${SCHOOL_A.id}`);
    expect(tableRows(top.html, 'schools')[2].href).toBeNull();

    const school = await get(admin, schoolA.href!);
    expect(school.status).toBe(200);
    expect(school.html).toContain(`<h1>${SCHOOL_A.name}</h1>`);
    expect(cards(school.html)).toEqual({ active: '5', claimed: '3', claimedShare: '60% of students', signedIn: '2', signedInShare: '40% of students', notReady: '3' });
    expect(tableRows(school.html, 'grades').map((r) => [r.name, r.href, ...r.cells])).toEqual([
      ['Grade 04', `/admin/readiness/schools/${SCHOOL_A.id}/grades/04`, '2', '2', '100%', '1', '50%', '1'],
      ['Grade 05', `/admin/readiness/schools/${SCHOOL_A.id}/grades/05`, '3', '1', '33.3%', '1', '33.3%', '2'],
    ]);
    const schoolDays = chartRows(school.html);
    expect(schoolDays.get(longDate('en', addDays(district.today, -1)))).toEqual(['3', '2']);
    expect(school.html).toContain('href="/admin/readiness/schools/sch-a/not-ready.csv"');

    const grade = await get(admin, `/admin/readiness/schools/${SCHOOL_A.id}/grades/05`);
    expect(grade.status).toBe(200);
    expect(cards(grade.html)).toEqual({ active: '3', claimed: '1', claimedShare: '33.3% of students', signedIn: '1', signedInShare: '33.3% of students', notReady: '2' });
    // Classes of this school with grade-05 students (Jean-Luc's homeroom is in the other school).
    expect(tableRows(grade.html, 'classes').map((r) => [r.name, r.href, ...r.cells])).toEqual([
      ['Science 5, "Lab"', '/admin/readiness/classes/cls-a-sci5', '3', '1', '33.3%', '1', '33.3%', '2'],
    ]);

    const gradeB = await get(admin, `/admin/readiness/schools/${SCHOOL_B.id}/grades/05`);
    expect(tableRows(gradeB.html, 'classes').map((r) => [r.name, ...r.cells])).toEqual([['Homeroom B – Mr Diallo · homeroom', '4', '2', '50%', '3', '75%', '2']]);

    const klass = await get(admin, '/admin/readiness/classes/cls-b-hr');
    expect(klass.status).toBe(200);
    expect(cards(klass.html)).toEqual({ active: '4', claimed: '2', claimedShare: '50% of students', signedIn: '3', signedInShare: '75% of students', notReady: '2' });
    // Not ready first, then by name; the disabled student never appears.
    expect(tableRows(klass.html, 'students').map((r) => [r.name, r.cells[0], r.cells[3], r.cells[5]])).toEqual([
      ['Bouchard, Jean-Luc', 'S0200009', 'No', 'Not ready'],
      ['Dubé, Zoé', 'S0200006', 'No', 'Not ready'],
      ['Mensah, Kwame', 'S0200007', 'Yes', 'Ready'],
      ['Wang, Mei', 'S0200008', 'Yes', 'Ready'],
    ]);
    expect(klass.html).toContain(`<a href="/admin/readiness/schools/${SCHOOL_B.id}">${SCHOOL_B.name.replace(/"/g, '&#34;')}</a>`);
    const science = await get(admin, '/admin/readiness/classes/cls-a-sci5');
    expect(science.html).not.toContain('Martínez');

    for (const missing of [
      '/admin/readiness/schools/nope',
      '/admin/readiness/schools/sch-a/grades/11',
      '/admin/readiness/classes/nope',
      '/admin/readiness/schools/nope/not-ready.csv',
    ]) {
      expect({ missing, status: (await get(admin, missing)).status }).toEqual({ missing, status: 404 });
    }
  });

  test('only administrators see the dashboard; a teacher sees only their own classes, checked on every request', async () => {
    const rivera = await as('rivera', PASSWORD.rivera);
    for (const path of [
      '/admin/readiness',
      `/admin/readiness/schools/${SCHOOL_A.id}`,
      '/admin/readiness/classes/cls-a-hr4',
      '/admin/readiness/not-ready.csv',
      '/admin/readiness/classes/cls-a-hr4/not-ready.csv',
    ]) {
      expect({ path, status: (await get(rivera, path)).status }).toEqual({ path, status: 403 });
    }
    const csrf = /name="_csrf" value="([^"]+)"/.exec((await get(rivera, '/staff')).html)![1];
    const refresh = await rivera.request(`${server.url}/admin/readiness/refresh`, {
      method: 'POST',
      body: new URLSearchParams({ _csrf: csrf, back: '/admin/readiness' }).toString(),
    });
    expect(refresh.status).toBe(403);

    const nakamura = await as('nakamura', PASSWORD.nakamura);
    const mine = await get(nakamura, '/staff/readiness');
    expect(mine.status).toBe(200);
    expect(deadlineLine(mine.html)).toContain('10 days left');
    expect(tableRows(mine.html, 'myClasses').map((r) => [r.name, r.href, ...r.cells])).toEqual([
      [`Science 5, "Lab" · ${SCHOOL_A.name}`, '/staff/readiness/classes/cls-a-sci5', '3', '1', '33.3%', '1', '33.3%', '2'],
    ]);
    const own = await get(nakamura, '/staff/readiness/classes/cls-a-sci5');
    expect(own.status).toBe(200);
    expect(cards(own.html).active).toBe('3');
    expect(own.html).not.toContain('admin-nav');
    expect(own.html).toContain('href="/staff/readiness/classes/cls-a-sci5/not-ready.csv"');
    // Ms Rivera's homeroom and Mr Diallo's class are not his.
    for (const path of [
      '/staff/readiness/classes/cls-a-hr4',
      '/staff/readiness/classes/cls-b-hr',
      '/staff/readiness/classes/cls-b-hr/not-ready.csv',
      '/staff/readiness/classes/nope',
    ]) {
      const page = await get(nakamura, path);
      expect({ path, status: page.status }).toEqual({ path, status: 403 });
    }
    expect((await get(nakamura, '/staff/readiness/classes/cls-b-hr')).html).toContain('This class is not one of yours.');
    expect((await csv(nakamura, '/staff/readiness/classes/cls-a-sci5/not-ready.csv')).status).toBe(200);
    // An administrator who teaches nothing has no "my classes" page.
    expect((await get(admin, '/staff/readiness')).status).toBe(403);
    // Nor does a student see any of it.
    await server.services.accounts.setPassword(district.ids.s1, await server.services.hasher.hash('Lea-Student-2026'));
    const lea = await as('S0200001', 'Lea-Student-2026');
    for (const path of ['/admin/readiness', '/admin/readiness/not-ready.csv', '/staff/readiness', '/staff/readiness/classes/cls-a-hr4']) {
      expect({ path, status: (await get(lea, path)).status }).toEqual({ path, status: 403 });
    }
    // Signed out: a sign-in starts (and nothing is shown).
    const stranger = new WebClient();
    const signedOut = await stranger.get(`${server.url}/admin/readiness`);
    expect(signedOut.url).toContain('/interaction/');
    expect((await csv(stranger, '/admin/readiness/not-ready.csv')).status).toBe(303);
  });

  test('CSV of students not ready: UTF-8 with BOM, a header, accents intact, quoting, formula-safe, dated file name', async () => {
    const all = await csv(admin, '/admin/readiness/not-ready.csv');
    expect(all.status).toBe(200);
    expect(all.type).toBe('text/csv; charset=utf-8');
    expect([...all.bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(all.disposition).toBe(`attachment; filename="not-ready-district-${district.today}.csv"`);
    expect(all.text.includes('\r\n')).toBe(true);
    expect(all.lines).toEqual([
      'Last name,First name,Student ID,Username,School,Grade,Homeroom,Teachers,Claimed,Signed in at least once',
      'Tremblay,Noah,200002,S0200002,École Côté-Nord,04,Homeroom 4 – Ms Rivera,María Rivera,yes,no',
      "'=SUM(A1),Max,200003,S0200003,École Côté-Nord,05,,Kenji Nakamura,no,no",
      // In two schools: listed once, under the first (as the district figures count him).
      'Bouchard,Jean-Luc,200009,S0200009,École Côté-Nord,05,Homeroom B – Mr Diallo,Amadou Diallo,no,no',
      'Dubé,Zoé,200006,S0200006,"Hillcrest, ""North"" Campus",04,Homeroom B – Mr Diallo,Amadou Diallo,no,yes',
      'Ó Briain,Siobhán,200010,S0200010,,,,,yes,no',
    ]);

    const school = await csv(admin, `/admin/readiness/schools/${SCHOOL_B.id}/not-ready.csv`);
    expect(school.disposition).toBe(`attachment; filename="not-ready-hillcrest-north-campus-${district.today}.csv"`);
    expect(school.lines.slice(1)).toEqual([
      'Dubé,Zoé,200006,S0200006,"Hillcrest, ""North"" Campus",04,Homeroom B – Mr Diallo,Amadou Diallo,no,yes',
      'Bouchard,Jean-Luc,200009,S0200009,"Hillcrest, ""North"" Campus",05,Homeroom B – Mr Diallo,Amadou Diallo,no,no',
    ]);

    const grade = await csv(admin, `/admin/readiness/schools/${SCHOOL_A.id}/grades/05/not-ready.csv`);
    expect(grade.disposition).toBe(`attachment; filename="not-ready-ecole-cote-nord-05-${district.today}.csv"`);
    expect(grade.lines.slice(1).map((l) => l.split(',')[0])).toEqual(["'=SUM(A1)", 'Bouchard']);

    const klass = await csv(admin, '/admin/readiness/classes/cls-a-sci5/not-ready.csv');
    expect(klass.disposition).toBe(`attachment; filename="not-ready-science-5-lab-${district.today}.csv"`);
    expect(klass.lines.slice(1).map((l) => l.split(',')[0])).toEqual(["'=SUM(A1)", 'Bouchard']);

    const french = await csv(admin, '/admin/readiness/classes/cls-a-sci5/not-ready.csv?lang=fr');
    expect(french.lines[0]).toBe('Nom,Prénom,Numéro d’élève,Nom d’utilisateur,École,Niveau,Classe titulaire,Enseignants,Compte réclamé,Connecté au moins une fois');
    expect(french.lines[1]).toBe("'=SUM(A1),Max,200003,S0200003,École Côté-Nord,05,,Kenji Nakamura,non,non");

    // Personal data leaving the system is audited.
    const exported = await server.services.audit.recent({ type: 'readiness.exported' });
    expect(exported.length).toBeGreaterThanOrEqual(5);
    expect(exported.some((e) => e.actorId === district.ids.admin)).toBe(true);
  });

  test('the deadline: days left, today, passed, or not set (with a link to the policies)', async () => {
    try {
      await server.services.policies.save({ 'readiness.deadline': district.today }, actor);
      expect(deadlineLine((await get(admin, '/admin/readiness')).html)).toBe(`Deadline: today, ${longDate('en', district.today)}.`);
      await server.services.policies.save({ 'readiness.deadline': addDays(district.today, -3) }, actor);
      expect(deadlineLine((await get(admin, '/admin/readiness')).html)).toBe(`Deadline: ${longDate('en', addDays(district.today, -3))}, 3 days ago.`);
      await server.services.policies.save({ 'readiness.deadline': addDays(district.today, 1) }, actor);
      expect(deadlineLine((await get(admin, '/admin/readiness')).html)).toBe(`Deadline: ${longDate('en', addDays(district.today, 1))}. 1 day left.`);
      await server.services.policies.save({ 'readiness.deadline': null }, actor);
      const unset = await get(admin, `/admin/readiness/schools/${SCHOOL_A.id}`);
      expect(deadlineLine(unset.html)).toBe('No deadline is set. Set the deadline on the Policies page.');
      expect(unset.html).toContain('<a href="/admin/policies#deadline">');
      // Without a deadline the chart runs to today.
      expect(unset.html).not.toMatch(/<line class="chart-deadline"/);
      const teacher = await as('nakamura', PASSWORD.nakamura);
      expect(deadlineLine((await get(teacher, '/staff/readiness')).html)).toBe('No deadline is set.');
    } finally {
      await server.services.policies.save({ 'readiness.deadline': addDays(district.today, 10) }, actor);
    }
  });

  test('in French', async () => {
    // A browser of its own: the language chosen sticks to it.
    const page = await get(await as('dana', PASSWORD.admin), '/admin/readiness?lang=fr');
    expect(page.html).toContain('<html lang="fr" dir="ltr">');
    expect(cards(page.html)).toEqual({ active: '9', claimed: '6', claimedShare: '66,7 % des élèves', signedIn: '5', signedInShare: '55,6 % des élèves', notReady: '5' });
    expect(deadlineLine(page.html)).toBe(`Date limite : ${longDate('fr', addDays(district.today, 10))}. Il reste 10 jours.`);
    expect(chartSummary(page.html)).toContain(
      `Le ${longDate('fr', district.today)}, 6 élèves sur 9 (66,7 %) avaient réclamé leur compte et 5 (55,6 %) s’étaient connectés au moins une fois.`,
    );
    expect(tableRows(page.html, 'grades').map((r) => r.name)).toEqual(['Sans niveau', 'Niveau 04', 'Niveau 05']);
    expect(tableRows(page.html, 'schools')[2].name).toBe('Sans école');
  });

  test('the real sign-in records the first sign-in once; the figures follow after an update (the button)', async () => {
    const s3 = district.ids.s3;
    const db = server.services.store.db;
    // Max claims his account (as the claim flow leaves it), then signs in twice.
    await server.services.accounts.setPassword(s3, await server.services.hasher.hash('Max-Claims-2026'));
    await db.updateTable('accounts').set({ claimed_at: Date.now() }).where('id', '=', s3).execute();
    // The summary is fresh: a page shows it as it was computed until it is updated.
    const before = await get(admin, '/admin/readiness');
    const refreshForm = admin.form('/admin/readiness/refresh');
    expect(refreshForm.fields.back).toBe('/admin/readiness');
    await admin.submit('/admin/readiness/refresh');

    const student = new WebClient();
    expect((await signIn(student, `${server.url}/`, 'S0200003', 'Max-Claims-2026')).html).toContain('Max');
    const first = await db.selectFrom('accounts').select(['first_login_at', 'last_login_at']).where('id', '=', s3).executeTakeFirstOrThrow();
    expect(first.first_login_at).not.toBeNull();
    expect(first.first_login_at).toBe(first.last_login_at);
    await new Promise((resolve) => setTimeout(resolve, 5));
    await signIn(new WebClient(), `${server.url}/`, 'S0200003', 'Max-Claims-2026');
    const second = await db.selectFrom('accounts').select(['first_login_at', 'last_login_at']).where('id', '=', s3).executeTakeFirstOrThrow();
    expect(second.first_login_at).toBe(first.first_login_at);
    expect(Number(second.last_login_at)).toBeGreaterThan(Number(first.last_login_at));

    // Still the summary of a moment ago (claimed, not yet signed in) …
    const stale = await get(admin, '/admin/readiness');
    expect(cards(stale.html)).toMatchObject({ claimed: '7', signedIn: '5' });
    expect(cards(before.html)).toMatchObject({ claimed: '6' });
    expect(stale.html).toMatch(/Figures as of [^<]+\./);
    // … until someone presses "Update the figures now".
    const updated = await admin.submit('/admin/readiness/refresh');
    expect(updated.url).toBe(`${server.url}/admin/readiness?done=refreshed`);
    expect(updated.html).toContain('The figures are up to date.');
    expect(cards(updated.html)).toEqual({ active: '9', claimed: '7', claimedShare: '77.8% of students', signedIn: '6', signedInShare: '66.7% of students', notReady: '4' });
    // Classes are always live.
    expect(cards((await get(admin, '/admin/readiness/classes/cls-a-sci5')).html)).toMatchObject({ claimed: '2', signedIn: '2', notReady: '1' });
  });
});
