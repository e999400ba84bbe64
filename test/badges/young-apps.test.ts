import { DEMO_APP_CLIENT_ID } from '../../src/oidc/built-in-clients.js';
import { ENGINES, startTestServer, type TestServer } from '../helpers/server.js';
import { signIn, WebClient } from '../helpers/web-client.js';

/** What a badge sign-in may open when the district keeps it to the apps marked for young students. */
describe.each(ENGINES)('apps for young students (%s)', (engine) => {
  let server: TestServer;
  let mathQuest: string;
  let storyTime: string;
  const CALLBACK = 'https://mathquest.example/callback';
  beforeAll(async () => {
    server = await startTestServer(engine);
    const { client } = await server.services.clients.register({
      name: 'Math Quest',
      redirectUris: [CALLBACK],
      firstParty: true,
      portal: true,
      launchUrl: 'https://mathquest.example/',
    });
    mathQuest = client.clientId;
    const sp = await server.services.samlAppAdmin.create(
      { name: 'Story Time', entityId: 'https://story.example/sp', acs: [{ url: 'https://story.example/acs' }], portal: true },
      null,
      'cli',
    );
    storyTime = sp.id;
  });
  afterAll(() => server.close());

  const setYoungApps = (value: 'all' | 'marked') => server.services.policies.save({ 'signIn.youngApps': value }, { id: 'test', ip: null });
  const mark = async (flag: boolean) => {
    await server.services.store.db
      .updateTable('oidc_clients')
      .set({ for_young_students: flag ? 1 : 0 })
      .where('client_id', '=', mathQuest)
      .execute();
    // Written behind the clients store's back, as another server would: this process forgets its copy, as it does
    // of its own changes (another server would read it within 5 seconds).
    server.services.clientRows.forget(mathQuest);
    await server.services.store.db
      .updateTable('saml_service_providers')
      .set({ for_young_students: flag ? 1 : 0 })
      .where('id', '=', storyTime)
      .execute();
  };

  /** A browser signed in to the portal with Léa's badge (the demo's fourth grade signs in with one). */
  async function withBadge(lang = 'en') {
    const lea = (await server.services.accounts.findByUsername('S0100003'))!;
    const badge = (await server.services.badges.forPrinting([{ accountId: lea.id, grade: lea.grade }], { id: null })).get(lea.id)!;
    const browser = new WebClient();
    await browser.get(`${server.url}/badge?lang=${lang}`);
    const portal = await browser.submit('/badge', { code: badge.code });
    expect(portal.html).toContain('Léa');
    browser.stopAt = CALLBACK;
    return { browser, portal };
  }

  const authorize = (browser: WebClient) =>
    browser.get(`${server.url}/auth?${new URLSearchParams({ client_id: mathQuest, redirect_uri: CALLBACK, response_type: 'code', scope: 'openid', state: 'st', nonce: 'nn' })}`);

  test("the demo district's fourth grade signs in with a badge, and the demo's app is marked for young students", async () => {
    expect(server.services.policies.current().signIn.badgeGrades).toEqual(['04']);
    expect((await server.services.clients.find(DEMO_APP_CLIENT_ID))?.forYoungStudents).toBe(true);
  });

  test("with youngApps 'marked', a badge session is refused unmarked OIDC and SAML apps (403, translated) and sees only marked tiles", async () => {
    await setYoungApps('marked');
    await mark(false);
    try {
      const { browser, portal } = await withBadge();
      expect(portal.html).toContain('Maple Learning');
      expect(portal.html).not.toContain('Math Quest');
      expect(portal.html).not.toContain('Story Time');

      const refused = await authorize(browser);
      expect(refused.status).toBe(403);
      expect(refused.html).toContain('Ask your teacher to open Math Quest');
      const samlRefused = await browser.get(`${server.url}/saml/launch/${storyTime}`);
      expect(samlRefused.status).toBe(403);
      expect(samlRefused.html).toContain('Ask your teacher to open Story Time');
      expect(samlRefused.html).not.toContain('SAMLResponse');
      const [event] = await server.services.audit.recent({ type: 'saml.sign_in_failed' });
      expect(event.data).toMatchObject({ reason: 'young_app_not_allowed' });

      const french = await withBadge('fr');
      const page = await authorize(french.browser);
      expect(page.status).toBe(403);
      expect(page.html).toContain('Demande à ton enseignant d’ouvrir Math Quest');

      // Marked apps open, and show in the portal.
      await mark(true);
      const opened = await authorize(browser);
      expect(opened.url.startsWith(`${CALLBACK}?code=`)).toBe(true);
      expect((await browser.get(`${server.url}/saml/launch/${storyTime}`)).html).toContain('SAMLResponse');
      const tiles = await browser.get(`${server.url}/`);
      expect(tiles.html).toContain('Math Quest');
      expect(tiles.html).toContain('Story Time');
    } finally {
      await setYoungApps('all');
    }
  });

  test("a password sign-in opens every app; with youngApps 'all' so does a badge", async () => {
    await setYoungApps('marked');
    await mark(false);
    try {
      const ana = new WebClient();
      ana.stopAt = CALLBACK;
      const portal = await signIn(ana, `${server.url}/`, 'S0100001', 'Lakeside-Ana-2026');
      expect(portal.html).toContain('Math Quest');
      expect((await authorize(ana)).url.startsWith(`${CALLBACK}?code=`)).toBe(true);
    } finally {
      await setYoungApps('all');
    }
    const { browser, portal } = await withBadge();
    expect(portal.html).toContain('Math Quest');
    expect((await authorize(browser)).url.startsWith(`${CALLBACK}?code=`)).toBe(true);
    expect((await browser.get(`${server.url}/saml/launch/${storyTime}`)).html).toContain('SAMLResponse');
  });
});
