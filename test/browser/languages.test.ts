import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { Translate } from '../../src/i18n/i18n.js';
import { alertText, axeViolations, browserSuite, clickAndLoad, heading, newContext, overflowsHorizontally } from '../helpers/browser.js';

/**
 * The family's own language in the distribution's Chromium: a claim and a first sign-in in Arabic (right-to-left) and
 * in Vietnamese on a 375 px phone, axe-core's WCAG 2.1 A/AA rules on every page, and the sign-in page in every
 * language Homeroom serves, photographed and checked for sideways scrolling and for glyphs no font could draw.
 */

const suite = browserSuite();
const PHONE = { width: 375, height: 740 };
let students = 0;

/** Questions chosen at claim time, answered in the family's own script. */
const CHOICES = [
  { question: 'firstPet', answer: 'قطة بيضاء' },
  { question: 'favoriteFood', answer: 'Phở bò' },
  { question: 'birthCity', answer: 'Montréal' },
];

async function newStudent(givenName: string, familyName: string) {
  students += 1;
  const studentId = `${810000 + students}`;
  const student = { username: `S0${studentId}`, givenName, familyName, studentId };
  await suite.server.services.accounts.create({ ...student, roles: ['student'] });
  return student;
}

async function next(page: Page, t: Translate): Promise<void> {
  await clickAndLoad(page, page.getByRole('button', { name: t('flows.next'), exact: true }));
}

interface Box {
  left: number;
  right: number;
  top: number;
  bottom: number;
}

const boxOf = async (page: Page, selector: string): Promise<Box> =>
  page
    .locator(selector)
    .first()
    .evaluate((element) => {
      const r = element.getBoundingClientRect();
      return { left: r.left, right: r.right, top: r.top, bottom: r.bottom };
    });

/** Where the text of an element starts and ends on screen (its line box, not the block it sits in). */
const textBoxOf = async (page: Page, selector: string): Promise<{ text: Box; block: Box }> =>
  page
    .locator(selector)
    .first()
    .evaluate((element) => {
      const range = document.createRange();
      range.selectNodeContents(element);
      const t = range.getBoundingClientRect();
      const style = getComputedStyle(element);
      const b = element.getBoundingClientRect();
      const block = { left: b.left + parseFloat(style.paddingLeft), right: b.right - parseFloat(style.paddingRight), top: b.top, bottom: b.bottom };
      return { text: { left: t.left, right: t.right, top: t.top, bottom: t.bottom }, block };
    });

/**
 * The eye button sits at the field's inline end: in a right-to-left page that is its left when the two share a row
 * (wide screens), and, wrapped under the field on a phone, flush with the field's right edge, where Arabic reading
 * starts.
 */
async function eyeButtonPlacement(page: Page): Promise<'beside, to its left' | 'under it, on the right' | string> {
  await page.locator('button[data-reveal]').waitFor({ state: 'visible' });
  const field = await boxOf(page, '#password');
  const eye = await boxOf(page, 'button[data-reveal]');
  if (eye.top >= field.bottom - 1) return Math.abs(eye.right - field.right) <= 1 ? 'under it, on the right' : `under it, right edge at ${eye.right} (field ${field.right})`;
  return eye.right <= field.left + 1 ? 'beside, to its left' : `beside, at ${eye.left}–${eye.right} (field ${field.left}–${field.right})`;
}

/**
 * True when a character of the text has no glyph in any installed font: Chromium then draws the font's "missing glyph"
 * box, the same pixels as a private-use character nobody draws.
 */
async function missingGlyphs(page: Page, selector: string): Promise<string[]> {
  return page
    .locator(selector)
    .first()
    .evaluate((element) => {
      const font = getComputedStyle(element).font;
      const draw = (text: string) => {
        const canvas = document.createElement('canvas');
        canvas.width = 96;
        canvas.height = 96;
        const context = canvas.getContext('2d')!;
        context.font = font;
        context.fillStyle = '#000';
        context.textBaseline = 'top';
        context.fillText(text, 8, 8);
        return Array.from(context.getImageData(0, 0, 96, 96).data).join(',');
      };
      const notdef = draw('\u{10FFFD}');
      const characters = [...new Set(Array.from(element.textContent ?? '').filter((c) => c.trim() !== ''))];
      return characters.filter((c) => draw(c) === notdef);
    });
}

async function expectPageFits(page: Page, name: string): Promise<void> {
  const overflow = await overflowsHorizontally(page);
  expect({ name, overflow: overflow.overflows, widest: overflow.widest }).toEqual({ name, overflow: false, widest: [] });
}

/** Claim my Account then the first sign-in, in one language on a phone, checking every page as it goes. */
async function claimAndSignIn(locale: 'ar' | 'vi', student: { username: string; givenName: string; familyName: string; studentId: string }) {
  const t = suite.translators[locale];
  const dir = locale === 'ar' ? 'rtl' : 'ltr';
  const password = 'Olive-Lantern-River-8';
  const { context, page, problems } = await newContext(suite.browser, { viewport: PHONE });
  const report: Record<string, string[]> = {};
  const check = async (name: string) => {
    expect(await page.locator('html').getAttribute('lang')).toBe(locale);
    expect(await page.locator('html').getAttribute('dir')).toBe(dir);
    await expectPageFits(page, name);
    report[name] = await axeViolations(page);
  };
  try {
    await page.goto(`${suite.server.url}/?lang=${locale}`);
    expect(await heading(page)).toBe(t('login.heading'));
    await check('sign-in page');

    await clickAndLoad(page, page.getByRole('link', { name: t('login.claimAccount'), exact: true }));
    expect(await heading(page)).toBe(t('claim.identify.heading'));
    await check('claim: who you are');
    await page.locator('#familyName').fill(student.familyName);
    await page.locator('#givenName').fill(student.givenName);
    await page.locator('#studentId').fill('999999');
    await next(page, t);
    expect(await alertText(page)).toBe(t('claim.errors.failed'));
    await check('claim: who you are, refused');
    await page.locator('#studentId').fill(student.studentId);
    await next(page, t);

    expect(await heading(page)).toBe(t('claim.password.heading'));
    await check('claim: password');
    if (dir === 'rtl') {
      expect(await eyeButtonPlacement(page)).toBe('under it, on the right');
      // The step counter reads from the right edge of the card.
      const progress = await textBoxOf(page, '.progress');
      expect(Math.abs(progress.text.right - progress.block.right)).toBeLessThanOrEqual(1);
      expect(progress.text.left - progress.block.left).toBeGreaterThan(20);
    }
    await page.locator('#password').fill(password);
    await page.locator('#confirm').fill(password);
    await next(page, t);

    expect(await heading(page)).toBe(t('claim.questions.heading'));
    await check('claim: questions');
    for (const [i, choice] of CHOICES.entries()) {
      await page.locator(`#question${i + 1}`).selectOption(choice.question);
      await page.locator(`#answer${i + 1}`).fill(choice.answer);
    }
    await next(page, t);
    expect(await heading(page)).toBe(t('claim.done.heading'));
    expect(await page.locator('.username-card .username').innerText()).toBe(student.username);
    await check('claim: done');

    // Back to the sign-in the claim started from, on its password step for this username, still in the family's
    // language.
    await clickAndLoad(page, page.getByRole('link', { name: t('claim.done.continue'), exact: true }));
    expect(await heading(page)).toBe(t('login.passwordHeading'));
    expect(await page.locator('.signing-in-as .username').innerText()).toBe(student.username);
    await check('sign-in: password');
    if (dir === 'rtl') expect(await eyeButtonPlacement(page)).toBe('under it, on the right');
    await page.locator('#password').fill(password);
    await clickAndLoad(page, page.getByRole('button', { name: t('login.go'), exact: true }));
    expect(await heading(page)).toBe(t('portal.greeting', { name: student.givenName }));
    await check('portal');

    if (dir === 'rtl') {
      // On a wide screen the eye button shares the field's row, at its inline end: to the left of the field.
      await page.setViewportSize({ width: 1024, height: 768 });
      await page.goto(`${suite.server.url}/claim`);
      expect(await heading(page)).toBe(t('claim.identify.heading'));
      const other = await newStudent('سلمى', 'منصور');
      await page.locator('#familyName').fill(other.familyName);
      await page.locator('#givenName').fill(other.givenName);
      await page.locator('#studentId').fill(other.studentId);
      await next(page, t);
      expect(await eyeButtonPlacement(page)).toBe('beside, to its left');
      const progress = await textBoxOf(page, '.progress');
      expect(Math.abs(progress.text.right - progress.block.right)).toBeLessThanOrEqual(1);
    }

    const failing = Object.entries(report).filter(([, violations]) => violations.length > 0);
    expect(failing).toEqual([]);
    expect(problems.list).toEqual([]);
  } finally {
    await context.close();
  }
}

test('a family claims the account and signs in in Arabic: right-to-left, axe clean, no sideways scrolling at 375 px', async () => {
  if (!suite.translators.ar) throw new Error('the Arabic catalog (src/i18n/locales/ar.json) is not in this tree');
  await claimAndSignIn('ar', await newStudent('ليلى', 'حداد'));
}, 120_000);

test('a family claims the account and signs in in Vietnamese: axe clean, no sideways scrolling at 375 px', async () => {
  if (!suite.translators.vi) throw new Error('the Vietnamese catalog (src/i18n/locales/vi.json) is not in this tree');
  await claimAndSignIn('vi', await newStudent('Ngọc Ánh', 'Nguyễn'));
}, 120_000);

test('the sign-in page in every language: photographed, heading shown and drawn, no sideways scrolling on a phone', async () => {
  const locales = Object.keys(suite.translators);
  expect(locales.length).toBeGreaterThanOrEqual(2);
  const { context, page, problems } = await newContext(suite.browser, { viewport: PHONE });
  const findings: Record<string, unknown> = {};
  try {
    for (const locale of locales) {
      const t = suite.translators[locale];
      await page.goto(`${suite.server.url}/?lang=${locale}`);
      const h1 = page.locator('h1');
      await h1.waitFor();
      const box = await h1.boundingBox();
      const overflow = await overflowsHorizontally(page);
      findings[locale] = {
        heading: (await h1.innerText()).trim(),
        visible: Boolean(box && box.width > 0 && box.height > 0),
        missingGlyphs: await missingGlyphs(page, 'h1'),
        switcherMissingGlyphs: await missingGlyphs(page, '.language-switcher .languages'),
        overflows: overflow.overflows,
      };
      expect(findings[locale]).toEqual({ heading: t('login.heading'), visible: true, missingGlyphs: [], switcherMissingGlyphs: [], overflows: false });
      await page.screenshot({ path: join(suite.screenshots(), `sign-in-${locale}.png`), fullPage: true });
    }
    expect(problems.list).toEqual([]);
  } finally {
    await context.close();
  }
}, 120_000);

test('the missing-glyph check can fail: a character no font draws is reported', async () => {
  const { context, page } = await newContext(suite.browser);
  try {
    await page.goto(`${suite.server.url}/?lang=en`);
    await page.locator('h1').evaluate((element) => (element.textContent = 'Sign in \u{10FFFC}'));
    expect(await missingGlyphs(page, 'h1')).toEqual(['\u{10FFFC}']);
  } finally {
    await context.close();
  }
}, 60_000);
