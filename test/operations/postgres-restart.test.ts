import { haproxyAvailable, NODE_HEADER, startCluster, type Cluster } from '../helpers/cluster.js';
import { sleep, startLoginLoad, until, type Credentials } from '../helpers/login-load.js';
import { privatePostgresAvailable, startPrivatePostgres, type PrivatePostgres } from '../helpers/private-postgres.js';
import { signIn, WebClient } from '../helpers/web-client.js';

const suite = process.env.TEST_DATABASE_URL && haproxyAvailable() && privatePostgresAvailable() ? describe : describe.skip;

const ACCOUNTS: Credentials[] = [
  { username: 'S0100001', password: 'Lakeside-Ana-2026', expect: 'Hello, Ana' },
  { username: 'S0100002', password: 'Lakeside-Noah-2026', expect: 'Hello, Noah' },
];

/**
 * PostgreSQL restarted under a sign-in load (a private server of the test's own: the shared one is never touched).
 * While it is down every request gets Homeroom's translated 503 with Retry-After, never a 500 or a dropped
 * connection; /healthz says not ready; once it is back, sign-ins work again without restarting Homeroom.
 */
suite('PostgreSQL restarted under load', () => {
  let postgres: PrivatePostgres;
  let cluster: Cluster;
  beforeAll(async () => {
    postgres = await startPrivatePostgres();
    cluster = await startCluster({ databaseUrl: postgres.url, nodes: 2 });
  }, 180_000);
  afterAll(async () => {
    // A process that died is the failure to explain: its last words.
    for (const node of cluster?.nodes ?? []) if (!node.running()) console.log(node.name, node.output().slice(-3000));
    await cluster?.close().catch(() => undefined);
    postgres?.destroy();
  });

  test('503 while it is down, recovery by itself when it is back; the same processes throughout', async () => {
    const signedIn = new WebClient();
    await signIn(signedIn, `${cluster.url}/`, 'S0100001', 'Lakeside-Ana-2026');

    const load = startLoginLoad(cluster.url, ACCOUNTS, 4);
    await until(() => load.logins.length >= 4, 'sign-ins before the database stops');
    const downAt = performance.now();
    postgres.stop();

    // Asked while the database is down: a page in the reader's language, a JSON answer for programs.
    await sleep(500);
    const page = await new WebClient({ 'accept-language': 'fr' }).get(`${cluster.url}/`);
    expect(page.status).toBe(503);
    expect(page.headers.get('retry-after')).toBe('5');
    expect(page.html).toContain('Homeroom est momentanément indisponible. Veuillez réessayer dans une minute.');
    const json = await fetch(`${cluster.url}/claim`, { headers: { accept: 'application/json' } });
    expect(json.status).toBe(503);
    expect(await json.json()).toMatchObject({ error: 'SERVICE_UNAVAILABLE' });
    for (const node of cluster.nodes) {
      expect(await (await fetch(`${node.url}/healthz`)).json()).toEqual({ status: 'ok', ready: false, reason: 'database' });
      expect((await fetch(`${node.url}/readyz`)).status).toBe(503);
    }
    // The session signed in before is asked for again: 503, and not signed out.
    expect((await signedIn.get(`${cluster.url}/`)).status).toBe(503);

    await sleep(2000);
    postgres.start();
    const upAt = performance.now();
    await until(() => load.logins.some((l) => l.ok && l.doneAt > upAt), 'a sign-in once the database is back');
    const recoveredAt = performance.now();
    await until(() => load.logins.filter((l) => l.doneAt > recoveredAt + 1000).length >= 4, 'sign-ins after the recovery');
    await load.stop();

    const during = load.requests.filter((r) => r.doneAt > downAt && r.sentAt < upAt);
    expect(during.some((r) => r.status === 503)).toBe(true);
    // Nothing but pages and redirects of Homeroom, and its 503: no 500, no HAProxy error, no dropped connection.
    const odd = load.requests.filter((r) => ![200, 302, 303, 503].includes(r.status));
    expect(odd.map((r) => ({ ...r, sentAt: Math.round(r.sentAt - downAt), doneAt: Math.round(r.doneAt - downAt), upAt: Math.round(upAt - downAt) }))).toEqual([]);
    expect(load.requests.filter((r) => r.status === 503).every((r) => r.node.startsWith('node'))).toBe(true);
    // Every login started a second after the database came back succeeded.
    expect(load.logins.filter((l) => l.doneAt > recoveredAt + 1000).every((l) => l.ok)).toBe(true);

    for (const node of cluster.nodes) {
      expect(node.running()).toBe(true);
      expect(await (await fetch(`${node.url}/healthz`)).json()).toEqual({ status: 'ok', ready: true });
    }
    const again = await signedIn.get(`${cluster.url}/`);
    expect(again.html).toContain('Hello, Ana');
    expect(again.headers.get(NODE_HEADER)).toMatch(/^node/);
  }, 300_000);
});
