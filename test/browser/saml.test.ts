import { browserSuite, clickAndLoad, newContext } from '../helpers/browser.js';
import { idpCertificates, registerTestSp, startTestSp, type TestSp } from '../helpers/saml-sp.js';

/**
 * A SAML app from the portal in the distribution's Chromium: the tile signs the student in to the app (an
 * unsolicited Response, auto-posted by a script file under the strict CSP), and signing out of the portal ends the
 * app's session too.
 */
const suite = browserSuite();
let sp: TestSp;

beforeAll(async () => {
  sp = await startTestSp(suite.server.url, (await idpCertificates(suite.server.url))[0], 'browser');
  sp.configure({ validateInResponseTo: 'ifPresent' as never });
  await registerTestSp(suite.server.services, sp, { name: 'Library Catalog', portal: true });
});
afterAll(async () => {
  await sp?.close();
});

test('portal → SAML tile → signed in at the app; portal sign-out → the app’s session is gone', async () => {
  const t = suite.translators.en;
  const { context, page, problems } = await newContext(suite.browser);
  try {
    await page.goto(`${suite.server.url}/`);
    await page.locator('#username').fill('S0100001');
    await page.getByRole('button', { name: t('login.go'), exact: true }).click();
    await page.locator('#password').fill('Lakeside-Ana-2026');
    await clickAndLoad(page, page.getByRole('button', { name: t('login.go'), exact: true }));
    await page.getByRole('heading', { level: 1, name: 'Hello, Ana' }).waitFor();

    const tile = page.getByRole('link', { name: 'Library Catalog', exact: true });
    expect(await tile.getAttribute('href')).toMatch(/^\/saml\/launch\//);
    await tile.click();
    await page.getByRole('heading', { level: 1, name: 'Signed in as S0100001' }).waitFor();
    expect(page.url()).toBe(`${sp.url}/`);
    expect(sp.errors).toEqual([]);
    expect(sp.sessions.size).toBe(1);

    await page.goto(`${suite.server.url}/`);
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'You are signed out' }).waitFor();
    expect(page.url()).toBe(`${suite.server.url}/signed-out`);
    expect(sp.errors).toEqual([]);
    expect(sp.sessions.size).toBe(0);

    await page.goto(`${sp.url}/`);
    await page.getByRole('heading', { level: 1, name: 'Not signed in' }).waitFor();
    expect(problems.list.filter((p) => !p.includes(sp.url))).toEqual([]);
  } finally {
    await context.close();
  }
});
