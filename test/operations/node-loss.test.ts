import { DETECTION_MS, haproxyAvailable, startCluster, waitUntilServing, type Cluster } from '../helpers/cluster.js';
import { failed, startLoginLoad, until, type Credentials } from '../helpers/login-load.js';
import { finishClaim, startClaim } from '../helpers/claim.js';
import { signIn, WebClient } from '../helpers/web-client.js';

const clusterSuite = process.env.TEST_DATABASE_URL && haproxyAvailable() ? describe : describe.skip;

const ACCOUNTS: Credentials[] = [
  { username: 'S0100001', password: 'Lakeside-Ana-2026', expect: 'Hello, Ana' },
  { username: 'mrivera', password: 'Teach-Lakeside-2026', expect: 'Hello, María' },
  { username: 'admin', password: 'Admin-Maple-2026', expect: 'Hello, Dana' },
];
const WORKERS = 6;

/**
 * A node of three dies (kill -9) or is stopped (SIGTERM) under a steady sign-in load through HAProxy. Killed: only
 * the requests it was working on fail; every session, flow and ticket is in PostgreSQL, so nothing is lost, and the
 * node rejoins when restarted. Stopped: it finishes what it was doing, and nothing fails at all.
 */
clusterSuite('losing a node under load', () => {
  let cluster: Cluster;
  beforeAll(async () => {
    cluster = await startCluster({ databaseUrl: process.env.TEST_DATABASE_URL! });
  }, 180_000);
  afterAll(() => cluster?.close());

  test('kill -9: only the requests in flight on that node, or sent before HAProxy notices, fail; sessions, a claim in progress and a ticket survive; it rejoins', async () => {
    const victim = cluster.nodes[1];

    // A family half-way through claiming, and an open reset request, both started before the kill.
    const family = new WebClient();
    await startClaim(family, cluster.url, { familyName: 'Côté', givenName: 'Léa', studentId: '100003' });
    const teacher = new WebClient();
    await signIn(teacher, `${cluster.url}/staff`, 'mrivera', 'Teach-Lakeside-2026');
    const staffPage = await teacher.get(`${cluster.url}/staff`);
    const resetLink = /href="(\/staff\/students\/[^"]+\/reset)"/.exec(staffPage.html)![1];
    await teacher.get(`${cluster.url}${resetLink}`);
    expect((await teacher.submit('/staff/tickets', { reason: 'Lost the answers' })).html).toContain('Waiting for the help desk');

    const load = startLoginLoad(cluster.url, ACCOUNTS, WORKERS);
    await until(() => load.sessions.length >= WORKERS, 'sign-ins before the kill');
    const before = load.sessions.slice();
    const killedAt = performance.now();
    await victim.signal('SIGKILL');
    // Sign-ins started once HAProxy has taken the dead node out.
    const afterKill = () => load.logins.filter((l) => l.doneAt - l.ms > killedAt + DETECTION_MS);
    await until(() => afterKill().length >= WORKERS, 'sign-ins while the node is down');
    const restartedAt = performance.now();
    await victim.start();
    await waitUntilServing(cluster, victim, 60_000);
    const rejoinedAt = performance.now();
    await until(() => load.requests.some((r) => r.sentAt > rejoinedAt && r.node === victim.name && r.status < 500), 'a request served by the restarted node');
    await load.stop();

    const failures = failed(load.requests);
    // Each worker has one request in flight at a time: at most one each can have been on the node that died.
    expect(failures.length).toBeLessThanOrEqual(WORKERS);
    // HAProxy answers 502 naming the node, or closes the connection (no node to name) when the reply was cut.
    // A node's own error (a 500) comes with what that node logged, so a failure here says why.
    const logged = (name: string) =>
      cluster.nodes
        .find((n) => n.name === name)
        ?.output()
        .split('\n')
        .filter((line) => /"level":(50|60)/.test(line)) ?? [];
    expect(failures.filter((f) => f.status !== 0 && f.node !== victim.name).map((f) => ({ ...f, logged: logged(f.node) }))).toEqual([]);
    // In flight on the dead node, or sent before HAProxy's checks took it out: a refused connection is sent to another
    // node, but a connection dropped in that moment is not retried.
    expect(failures.filter((f) => f.sentAt >= killedAt + DETECTION_MS).map((f) => ({ ...f, sentAfterKillMs: Math.round(f.sentAt - killedAt) }))).toEqual([]);
    // Every sign-in started after that succeeds: on the other nodes, then on all three again.
    const loginsDuringLoss = afterKill().filter((l) => l.doneAt < restartedAt);
    expect(loginsDuringLoss.length).toBeGreaterThanOrEqual(WORKERS);
    expect(afterKill().filter((l) => !l.ok)).toEqual([]);

    // Every session signed in before the kill is still signed in, whichever node answers.
    expect(before.length).toBeGreaterThan(0);
    for (const { browser } of before) {
      const page = await browser.get(`${cluster.url}/`);
      expect(page.html).toMatch(/Hello, (Ana|María|Dana)/);
    }
    // The claim goes on where it was; the ticket is still in the help desk's queue.
    const claimed = await finishClaim(family, 'Lea-Claims-2026!');
    expect(claimed.html).toContain('The account is ready');
    const desk = new WebClient();
    await signIn(desk, `${cluster.url}/helpdesk`, 'helpdesk', 'Helpdesk-Maple-2026');
    expect((await desk.get(`${cluster.url}/helpdesk`)).html).toContain('Lost the answers');
  }, 300_000);

  test('SIGTERM: the node finishes its requests in flight and exits 0; no request fails; it rejoins when started', async () => {
    const leaving = cluster.nodes[2];
    const load = startLoginLoad(cluster.url, ACCOUNTS, WORKERS);
    await until(() => load.logins.length >= WORKERS, 'sign-ins before the stop');
    const stoppedAt = performance.now();
    const code = await leaving.signal('SIGTERM');
    expect(code).toBe(0);
    const exitedAt = performance.now();
    await until(() => load.logins.filter((l) => l.doneAt > exitedAt).length >= WORKERS, 'sign-ins after the stop');
    await leaving.start();
    await waitUntilServing(cluster, leaving, 60_000);
    await load.stop();

    expect(failed(load.requests)).toEqual([]);
    expect(load.logins.every((l) => l.ok)).toBe(true);
    // It was serving up to the moment it was told to stop.
    expect(load.requests.some((r) => r.node === leaving.name && r.sentAt < stoppedAt)).toBe(true);
  }, 300_000);
});
