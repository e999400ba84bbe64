import type { Browser, Page } from 'playwright-core';
import { createI18n, type Locale, type Translate } from '../../src/i18n/i18n.js';
import { axeViolations, focusStop, heading, launchBrowser, newContext } from '../helpers/browser.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/**
 * Picture passwords in the distribution's Chromium: a young student signs in with the keyboard alone (Tab to a
 * picture, Enter), and the new pages (the rounds, the teacher's and the claim's choice of pictures) pass axe-core's
 * WCAG 2.1 A/AA rules in English and French.
 */

const ANA = ['dog', 'banana', 'rocket'];
let browser: Browser;
let server: TestServer;
let translators: Record<string, Translate>;

beforeAll(async () => {
  browser = await launchBrowser();
  server = await startTestServer('sqlite', { overrides: { signIn: { pictureGrades: ['04', '05'] } } });
  const i18n = await createI18n();
  translators = Object.fromEntries(i18n.locales.map(({ code }) => [code, i18n.translator(code)]));
  const teacher = (await server.services.accounts.findByUsername('mrivera'))!;
  const ana = (await server.services.accounts.findByUsername('S0100001'))!;
  await server.services.pictures.setByTeacher(teacher, ana.id, ANA, '127.0.0.1');
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** Presses Tab until the focused element's accessible text is `name` (an image button's is its text alternative). */
async function tabTo(page: Page, name: string): Promise<void> {
  for (let i = 0; i < 40; i += 1) {
    const focused = await page.evaluate(() => {
      const element = document.activeElement as HTMLElement | null;
      const img = element?.querySelector('img');
      return ((img?.getAttribute('alt') ?? '') + (element?.textContent ?? '')).trim();
    });
    if (focused === name) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`"${name}" is not reachable with Tab on ${page.url()}`);
}

async function pressAndLoad(page: Page, key: string): Promise<void> {
  await Promise.all([page.waitForEvent('framenavigated', (frame) => frame === page.mainFrame()), page.keyboard.press(key)]);
  await page.waitForLoadState('load');
}

test('a student signs in with pictures using only the keyboard; a wrong sequence fails only after the third round', async () => {
  const t = translators.en;
  const { context, page, problems } = await newContext(browser);
  try {
    await page.goto(`${server.url}/`);
    await page.keyboard.type('S0100001');
    await pressAndLoad(page, 'Enter');
    await tabTo(page, t('login.pictures.use'));
    await pressAndLoad(page, 'Enter');
    expect(await heading(page)).toBe(t('login.pictures.heading'));

    // A wrong first pick, then two right ones: nothing is said until the end.
    for (const [round, id] of ['cat', 'banana', 'rocket'].entries()) {
      expect(await page.locator('#pictures-round').innerText()).toBe(t('login.pictures.round', { round: round + 1, rounds: 3 }));
      await expect(page.getByRole('button', { name: t(`pictures.names.${id}`), exact: true }).count()).resolves.toBe(1);
      expect(await page.getByRole('alert').count()).toBe(0);
      await tabTo(page, t(`pictures.names.${id}`));
      const stop = await focusStop(page);
      expect(stop!.indicatorContrast).toBeGreaterThanOrEqual(3);
      await pressAndLoad(page, round === 1 ? ' ' : 'Enter');
    }
    expect((await page.getByRole('alert').innerText()).trim()).toBe('Authentication Failed');

    for (const id of ANA) {
      await tabTo(page, t(`pictures.names.${id}`));
      await pressAndLoad(page, 'Enter');
    }
    expect(await heading(page)).toContain(t('portal.greeting', { name: 'Ana' }));
    expect(problems.list).toEqual([]);
  } finally {
    await context.close();
  }
}, 60_000);

/** The students whose claim the axe run walks, one per language (grade 04: pictures instead of questions). */
const CLAIMANTS: Record<string, { familyName: string; givenName: string; studentId: string }> = {
  en: { familyName: 'Côté', givenName: 'Léa', studentId: '100003' },
  fr: { familyName: "O'Connor-Diallo", givenName: 'Malik', studentId: '100004' },
};

describe.each<Locale>(['en', 'fr'])('accessibility of the picture pages (axe-core, WCAG 2.1 A and AA) in %s', (locale) => {
  test("the rounds (with and without the failure), the teacher's and the claim's choice of pictures have no violations", async () => {
    const t = translators[locale];
    const report: Record<string, string[]> = {};
    const check = async (name: string, page: Page) => {
      expect(await page.locator('html').getAttribute('lang')).toBe(locale);
      report[name] = await axeViolations(page);
    };

    const student = await newContext(browser, { locale });
    try {
      const { page } = student;
      await page.goto(`${server.url}/?lang=${locale}`);
      await page.locator('#username').fill('S0100001');
      await pressAndLoad(page, 'Enter');
      await check('password page with "Use my pictures"', page);
      await tabTo(page, t('login.pictures.use'));
      await pressAndLoad(page, 'Enter');
      await check('round 1', page);
      for (const id of ['cat', 'apple', 'car']) {
        await tabTo(page, t(`pictures.names.${id}`));
        await pressAndLoad(page, 'Enter');
      }
      await check('round 1 after a failed sequence', page);
    } finally {
      await student.context.close();
    }

    const teacher = await newContext(browser, { locale });
    try {
      const { page } = teacher;
      await page.goto(`${server.url}/staff?lang=${locale}`);
      await page.locator('#username').fill('mrivera');
      await pressAndLoad(page, 'Enter');
      await page.locator('#password').fill('Teach-Lakeside-2026');
      await pressAndLoad(page, 'Enter');
      await check('My students', page);
      const noah = (await server.services.accounts.findByUsername('S0100002'))!;
      await page.goto(`${server.url}/staff/students/${noah.id}/pictures`);
      expect(await heading(page)).toBe(t('staff.pictures.heading', { name: 'Noah Tremblay' }));
      await check('teacher sets pictures', page);
      // A radio group per round: arrow keys move within it, Tab to the next.
      await page.getByRole('radio', { name: t('pictures.names.cat') }).focus();
      await page.keyboard.press('ArrowRight');
      await page.keyboard.press('Tab');
      await page.keyboard.press('Space');
      await page.keyboard.press('Tab');
      await page.keyboard.press('Space');
      await page.getByRole('button', { name: t('staff.pictures.save') }).focus();
      await pressAndLoad(page, 'Enter');
      expect((await page.getByRole('status').innerText()).trim()).toBe(t('staff.pictures.saved', { name: 'Noah Tremblay' }));
      await check('teacher saved pictures', page);
    } finally {
      await teacher.context.close();
    }

    const family = await newContext(browser, { locale });
    try {
      const { page } = family;
      const claimant = CLAIMANTS[locale];
      await page.goto(`${server.url}/claim?lang=${locale}`);
      await page.locator('#familyName').fill(claimant.familyName);
      await page.locator('#givenName').fill(claimant.givenName);
      await page.locator('#studentId').fill(claimant.studentId);
      await pressAndLoad(page, 'Enter');
      await page.locator('#password').fill('Lantern-Pebble-58');
      await page.locator('#confirm').fill('Lantern-Pebble-58');
      await pressAndLoad(page, 'Enter');
      expect(await heading(page)).toBe(t('claim.pictures.heading'));
      await check('claim: choose pictures', page);
      for (const id of ['frog', 'pear', 'star']) await page.getByText(t(`pictures.names.${id}`), { exact: true }).click();
      await page.getByRole('button', { name: t('flows.next') }).focus();
      await pressAndLoad(page, 'Enter');
      expect(await heading(page)).toBe(t('claim.done.heading'));
    } finally {
      await family.context.close();
    }

    const failing = Object.entries(report).filter(([, violations]) => violations.length > 0);
    expect(failing.map(([name, violations]) => `${name}:\n  ${violations.join('\n  ')}`)).toEqual([]);
    expect(Object.keys(report)).toHaveLength(7);
  }, 90_000);
});
