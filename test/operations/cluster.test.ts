import pg from 'pg';
import { echoed, submitForm } from '../admin/helpers.js';
import { haproxyAvailable, NODE_HEADER, startCluster, type Cluster } from '../helpers/cluster.js';
import { finishClaim, startClaim } from '../helpers/claim.js';
import { signIn, signOut, WebClient } from '../helpers/web-client.js';

const clusterSuite = process.env.TEST_DATABASE_URL && haproxyAvailable() ? describe : describe.skip;

const NODES = ['node1', 'node2', 'node3'];

/**
 * Three `homeroom start` processes on one PostgreSQL schema behind HAProxy, round robin with no stickiness: every
 * request of a person's visit lands on the next process, so whatever one process wrote (a flow, a session, a
 * throttling count, a policy, the readiness summary) the next one must find in the database.
 */
clusterSuite('three processes behind HAProxy on one PostgreSQL', () => {
  let cluster: Cluster;
  let db: pg.Client;
  beforeAll(async () => {
    cluster = await startCluster({ databaseUrl: process.env.TEST_DATABASE_URL!, config: { login: { perAccount: { limit: 3, window: '15m' } } } });
    db = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL, options: `-c search_path=${cluster.schema}` });
    await db.connect();
  }, 180_000);
  afterAll(async () => {
    await db?.end();
    await cluster?.close();
  }, 120_000);

  /** A browser whose requests go through the front, with the node that answered each one. */
  function visitor(): { browser: WebClient; served: string[] } {
    const browser = new WebClient();
    const served: string[] = [];
    browser.observe = (response) => served.push(response.headers.get(NODE_HEADER) ?? 'none');
    return { browser, served };
  }

  /** Each request went to another process than the one before, and all three took part. */
  function expectHopped(served: string[]) {
    expect(served.length).toBeGreaterThanOrEqual(3);
    expect(new Set(served)).toEqual(new Set(NODES));
    served.forEach((node, i) => {
      if (i > 0) expect(`${i}: ${node}`).not.toBe(`${i}: ${served[i - 1]}`);
    });
  }

  const idOf = async (username: string) => (await db.query('SELECT id FROM accounts WHERE username = $1', [username])).rows[0].id as string;

  test('sign in, single sign-on into an app and sign-out, each request on the next process', async () => {
    const { browser, served } = visitor();
    const portal = await signIn(browser, `${cluster.url}/`, 'S0100001', 'Lakeside-Ana-2026');
    expect(portal.html).toContain('Hello, Ana');
    const app = await browser.get(`${cluster.url}/demo-app/`);
    expect(app.html).toContain('Welcome, Ana!');
    expect(app.html).not.toContain('type="password"');

    const signedOut = await signOut(browser, '/demo-app/logout');
    expect(signedOut.html).toContain('You are signed out of Maple Learning');
    // The back-channel logout reached the portal's session too, whichever process holds no memory of it.
    const after = await browser.get(`${cluster.url}/`);
    expect(after.url).toContain('/interaction/');
    expectHopped(served);
  }, 120_000);

  test('claim, then recovery with the answers given at the claim, each request on the next process', async () => {
    const family = visitor();
    await startClaim(family.browser, cluster.url, { familyName: 'Côté', givenName: 'Léa', studentId: '100003' });
    const claimed = await finishClaim(family.browser, 'Lea-Claims-2026!');
    expect(claimed.html).toContain('The account is ready');
    expectHopped(family.served);
    expect((await signIn(new WebClient(), `${cluster.url}/`, 'S0100003', 'Lea-Claims-2026!')).html).toContain('Hello, Léa');

    const recovery = visitor();
    await recovery.browser.get(`${cluster.url}/recover`);
    await recovery.browser.submit('/username', { username: 'S0100003' });
    await recovery.browser.submit('/answers', { answer1: 'fluffy', answer2: 'poutine', answer3: 'montreal' });
    const done = await recovery.browser.submit('/password', { password: 'Lea-Recovered-2026!', confirm: 'Lea-Recovered-2026!' });
    expect(done.status).toBe(200);
    expectHopped(recovery.served);
    expect((await signIn(new WebClient(), `${cluster.url}/`, 'S0100003', 'Lea-Recovered-2026!')).html).toContain('Hello, Léa');
  }, 120_000);

  test('a teacher’s reset request, approved by the help desk, each request on the next process', async () => {
    const teacher = visitor();
    await signIn(teacher.browser, `${cluster.url}/staff`, 'mrivera', 'Teach-Lakeside-2026');
    await teacher.browser.get(`${cluster.url}/staff/students/${await idOf('S0100002')}/reset`);
    const requested = await teacher.browser.submit('/staff/tickets', { reason: 'Forgot the challenge answers' });
    expect(requested.html).toContain('Waiting for the help desk');
    expectHopped(teacher.served);

    const desk = visitor();
    await signIn(desk.browser, `${cluster.url}/helpdesk`, 'helpdesk', 'Helpdesk-Maple-2026');
    const queue = await desk.browser.get(`${cluster.url}/helpdesk`);
    expect(queue.html).toContain('Noah Tremblay');
    const id = /name="ticket" value="([^"]+)"/.exec(queue.html)![1];
    const body = new URLSearchParams({ _csrf: desk.browser.form('/helpdesk/approve').fields._csrf, ticket: id });
    const approved = await desk.browser.request(`${cluster.url}/helpdesk/approve`, { method: 'POST', body: body.toString() });
    expect(approved.html).toContain('1 approved, 0 no longer open.');
    expectHopped(desk.served);

    const old = new WebClient();
    await signIn(old, `${cluster.url}/`, 'S0100002', 'Lakeside-Noah-2026');
    expect(old.alert()).toBe('Authentication Failed');
  }, 120_000);

  test('failed sign-ins are counted across the processes: the fourth attempt is throttled wherever it lands', async () => {
    const { browser, served } = visitor();
    const answeredBy: string[] = [];
    for (let attempt = 1; attempt <= 3; attempt += 1) {
      await signIn(browser, `${cluster.url}/`, 'S0100004', `wrong-guess-${attempt}`);
      expect(browser.alert()).toBe('Authentication Failed');
      answeredBy.push(served[served.length - 1]);
      await browser.get(`${cluster.url}/healthz`); // the next password lands on the next process
    }
    expect(new Set(answeredBy)).toEqual(new Set(NODES));
    const throttled = await signIn(browser, `${cluster.url}/`, 'S0100004', 'wrong-guess-4');
    expect(throttled.status).toBe(429);
    expect(throttled.html).toContain('Too many attempts');
  }, 120_000);

  test('every process publishes the same signing keys and issuer (the front’s address)', async () => {
    const jwks = await Promise.all(cluster.nodes.map((n) => fetch(`${n.url}/jwks`).then((r) => r.json())));
    const discovery = await Promise.all(cluster.nodes.map((n) => fetch(`${n.url}/.well-known/openid-configuration`).then((r) => r.json())));
    expect(jwks[0].keys.length).toBeGreaterThan(0);
    for (const other of jwks.slice(1)) expect(other).toEqual(jwks[0]);
    for (const doc of discovery) expect(doc.issuer).toBe(cluster.url);
  }, 120_000);

  test('a policy saved through one process reaches the others; the readiness summary is one for all', async () => {
    const admin = new WebClient();
    await signIn(admin, `${cluster.url}/admin`, 'admin', 'Admin-Maple-2026');
    await admin.get(`${cluster.url}/admin/policies`);
    const saved = await submitForm(admin, '/admin/policies', { minLength: '11' });
    expect(saved.url).toContain('done=saved');

    // Each process, asked directly, applies the saved value within its refresh period (15 s).
    const onNode = (nodeUrl: string) => {
      const direct = new WebClient();
      for (const [name, value] of admin.cookies) direct.cookies.set(name, value);
      direct.route = (url) => (url.startsWith(cluster.url) ? nodeUrl + url.slice(cluster.url.length) : url);
      return direct;
    };
    const deadline = Date.now() + 25_000;
    for (const node of cluster.nodes) {
      const direct = onNode(node.url);
      for (;;) {
        const page = await direct.get(`${cluster.url}/admin/policies`);
        if (echoed(page.html, 'minLength') === '11') break;
        if (Date.now() > deadline) throw new Error(`${node.name} still shows minLength ${echoed(page.html, 'minLength')}`);
        await new Promise((r) => setTimeout(r, 500));
      }
    }

    await admin.get(`${cluster.url}/admin/readiness`);
    await submitForm(admin, '/admin/readiness/refresh', {});
    let asOf: string[] = [];
    for (let i = 0; i < 50; i += 1) {
      asOf = await Promise.all(cluster.nodes.map(async (node) => /Figures as of [^<]+/.exec((await onNode(node.url).get(`${cluster.url}/admin/readiness`)).html)?.[0] ?? 'none'));
      if (asOf.every((text) => text === asOf[0] && text !== 'none')) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(asOf[0]).toMatch(/^Figures as of /);
    expect(new Set(asOf).size).toBe(1);
  }, 120_000);
});
