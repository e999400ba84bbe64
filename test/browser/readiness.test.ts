import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { axeViolations, launchBrowser, newContext, overflowsHorizontally, screenshotDir } from '../helpers/browser.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { buildDistrict, PASSWORD } from '../readiness/fixture.js';

/**
 * The readiness dashboard in Chromium: an administrator drills down from the district to a class, and a teacher
 * opens their own class; axe-core finds no WCAG 2.1 A/AA problem on any of these pages in English or French, the
 * chart is drawn (no script, no inline style), and a phone-width page does not scroll sideways.
 */

let server: TestServer;
let browser: Browser;
const shots = screenshotDir();

beforeAll(async () => {
  browser = await launchBrowser();
  server = await startTestServer('sqlite', { demo: false });
  const district = await buildDistrict(server.services);
  const deadline = new Date(Date.parse(`${district.today}T00:00:00Z`) + 10 * 86_400_000).toISOString().slice(0, 10);
  await server.services.policies.save({ 'readiness.deadline': deadline }, { id: 'test', ip: null });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function signIn(page: Page, start: string, username: string, password: string): Promise<void> {
  await page.goto(`${server.url}${start}`);
  await page.locator('#username').fill(username);
  await page.locator('#username').press('Enter');
  await page.locator('#password').waitFor();
  await page.locator('#password').fill(password);
  await Promise.all([page.waitForURL((url) => url.pathname === start), page.locator('#password').press('Enter')]);
}

async function checkPage(page: Page, path: string, name: string): Promise<void> {
  for (const lang of ['en', 'fr']) {
    const response = await page.goto(`${server.url}${path}${path.includes('?') ? '&' : '?'}lang=${lang}`);
    expect({ path, lang, status: response?.status() }).toEqual({ path, lang, status: 200 });
    expect(await page.locator('html').getAttribute('lang')).toBe(lang);
    // The daily table is folded away; open it so axe checks it too.
    const details = page.locator('details.chart-table');
    if (await details.count()) await details.locator('summary').click();
    expect({ path, lang, violations: await axeViolations(page) }).toEqual({ path, lang, violations: [] });
    if (lang === 'en') await page.screenshot({ path: join(shots, `readiness-${name}.png`), fullPage: true });
  }
}

test('administrator: district → school → grade → class, axe-clean in English and French, the chart drawn', async () => {
  const { context, page, problems } = await newContext(browser);
  try {
    await signIn(page, '/admin/readiness', 'dana', PASSWORD.admin);
    await checkPage(page, '/admin/readiness', 'district');
    const chart = page.locator('svg.chart-svg');
    await expect(chart.isVisible()).resolves.toBe(true);
    const box = await chart.boundingBox();
    expect(box!.width).toBeGreaterThan(300);
    // The lines are drawn with the stylesheet's colours (no inline style exists to do it).
    const stroke = await page.locator('polyline.chart-claimed').evaluate((el) => getComputedStyle(el).stroke);
    expect(stroke).toBe('rgb(11, 92, 173)');
    const dashes = await page.locator('polyline.chart-signed-in').evaluate((el) => getComputedStyle(el).strokeDasharray);
    expect(dashes).not.toBe('none');

    await page.goto(`${server.url}/admin/readiness?lang=en`);
    await Promise.all([page.waitForURL(/\/schools\/sch-a$/), page.getByRole('link', { name: 'École Côté-Nord' }).click()]);
    await checkPage(page, '/admin/readiness/schools/sch-a', 'school');
    await page.goto(`${server.url}/admin/readiness/schools/sch-a?lang=en`);
    await Promise.all([page.waitForURL(/\/grades\/05$/), page.getByRole('link', { name: 'Grade 05' }).click()]);
    await checkPage(page, '/admin/readiness/schools/sch-a/grades/05', 'grade');
    await checkPage(page, '/admin/readiness/classes/cls-b-hr', 'class');

    // A phone: the tables scroll inside their regions, never the page.
    await page.setViewportSize({ width: 375, height: 800 });
    for (const path of ['/admin/readiness', '/admin/readiness/classes/cls-b-hr']) {
      await page.goto(`${server.url}${path}?lang=fr`);
      expect({ path, ...(await overflowsHorizontally(page)) }).toMatchObject({ path, overflows: false });
    }
    expect(problems.list).toEqual([]);
  } finally {
    await context.close();
  }
  // Eight pages checked with axe, then two more at a phone's width: longer than the default on a busy machine.
}, 90_000);

test('teacher: the readiness of their own classes, axe-clean in English and French', async () => {
  const { context, page, problems } = await newContext(browser);
  try {
    await signIn(page, '/staff/readiness', 'nakamura', PASSWORD.nakamura);
    await checkPage(page, '/staff/readiness', 'teacher');
    await page.goto(`${server.url}/staff/readiness?lang=en`);
    await Promise.all([page.waitForURL(/\/classes\/cls-a-sci5$/), page.getByRole('link', { name: 'Science 5, "Lab"' }).click()]);
    await checkPage(page, '/staff/readiness/classes/cls-a-sci5', 'teacher-class');
    expect(problems.list).toEqual([]);
  } finally {
    await context.close();
  }
});
