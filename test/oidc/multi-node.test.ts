import { startTestServer, type TestServer } from '../helpers/server.js';
import { signOut, WebClient } from '../helpers/web-client.js';

const pgOnly = process.env.TEST_DATABASE_URL ? describe : describe.skip;

/** Two app processes behind one issuer on one PostgreSQL: any request may land on either. */
pgOnly('several app processes share one PostgreSQL', () => {
  let a: TestServer;
  let b: TestServer;
  beforeAll(async () => {
    a = await startTestServer('postgres');
    b = await startTestServer('postgres', { database: a.database, issuer: a.url });
  });
  afterAll(async () => {
    await b.close();
    await a.close();
  });

  // B answers on its own port; its public name (issuer) is A's.
  const bAddress = () => `http://127.0.0.1:${(b.server.address() as { port: number }).port}`;
  const onB = (url: string) => (url.startsWith(a.url) ? bAddress() + url.slice(a.url.length) : url);

  test('sign in with each request alternating between the two processes, then continue on the other one', async () => {
    const browser = new WebClient();
    let count = 0;
    const nodes: string[] = [];
    browser.route = (url) => {
      count += 1;
      const target = count % 2 === 0 ? onB(url) : url;
      nodes.push(target.startsWith(bAddress()) ? 'B' : 'A');
      return target;
    };
    await browser.get(`${a.url}/`);
    await browser.submit('/username', { username: 'S0100001' });
    const portal = await browser.submit('/password', { password: 'Lakeside-Ana-2026' });
    expect(portal.html).toContain('Hello, Ana');
    expect(nodes).toContain('A');
    expect(nodes).toContain('B');

    // Everything from now on goes to B only: the portal session and the provider session are both there.
    browser.route = onB;
    const again = await browser.get(`${a.url}/`);
    expect(again.html).toContain('Hello, Ana');
    const app = await browser.get(`${a.url}/demo-app/`);
    expect(app.html).toContain('Welcome, Ana!');
    expect(app.html).not.toContain('type="password"');

    // Signing out of the app through B ends the provider session and, by back-channel logout, the portal's too.
    const signedOut = await signOut(browser, '/demo-app/logout');
    expect(signedOut.html).toContain('You are signed out of Maple Learning');
    browser.route = (url) => url;
    const after = await browser.get(`${a.url}/`);
    expect(after.url).toContain('/interaction/');
  });

  test('both processes publish the same signing keys and issuer', async () => {
    const [jwksA, jwksB] = await Promise.all([fetch(`${a.url}/jwks`).then((r) => r.json()), fetch(`${bAddress()}/jwks`).then((r) => r.json())]);
    expect(jwksA).toEqual(jwksB);
    const [discoA, discoB] = await Promise.all([
      fetch(`${a.url}/.well-known/openid-configuration`).then((r) => r.json()),
      fetch(`${bAddress()}/.well-known/openid-configuration`).then((r) => r.json()),
    ]);
    expect(discoB.issuer).toBe(discoA.issuer);
  });
});
