import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { Locale, Translate } from '../../src/i18n/i18n.js';
import { axeViolations, browserSuite, clickAndLoad, focusStop, type FocusStop, newContext, overflowsHorizontally, tabOrder } from '../helpers/browser.js';

/**
 * The login, the portal and the demo app in the distribution's Chromium: what a student on a shared school device
 * actually does, whether axe-core finds WCAG 2.1 A/AA problems on each page (in every language), and whether the
 * pages fit a phone screen.
 */

const ANA = { username: 'S0100001', password: 'Lakeside-Ana-2026' };
const NOAH = { username: 'S0100002', password: 'Lakeside-Noah-2026' };

const suite = browserSuite();

/** Waits for the load event of the page being shown now. */
async function settled(page: Page): Promise<void> {
  await page.waitForLoadState('load');
}

async function bodyText(page: Page): Promise<string> {
  return page.locator('body').innerText();
}

/** The username step, then the password step, through the visible controls. */
async function enterUsername(page: Page, t: Translate, username: string): Promise<void> {
  await page.locator('#username').fill(username);
  await page.getByRole('button', { name: t('login.go'), exact: true }).click();
  await page.locator('#password').waitFor();
}

async function enterPassword(page: Page, t: Translate, password: string): Promise<void> {
  await page.locator('#password').fill(password);
  await clickAndLoad(page, page.getByRole('button', { name: t('login.go'), exact: true }));
}

test('a student signs in, opens an app without a second password, signs out; Back and the next student never see her portal', async () => {
  const t = suite.translators.en;
  const { context, page, problems } = await newContext(suite.browser);
  try {
    // Username step.
    await page.goto(`${suite.server.url}/`);
    expect(page.url()).toMatch(/\/interaction\/[^/?]+$/);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('username');
    await enterUsername(page, t, ANA.username);

    // Password step: the eye button (shown by app.js) toggles what is typed, and says so with aria-pressed.
    const password = page.locator('#password');
    const eye = page.locator('button[data-reveal]');
    await eye.waitFor({ state: 'visible' });
    expect(await eye.getAttribute('aria-pressed')).toBe('false');
    expect(await password.getAttribute('type')).toBe('password');
    await password.fill(ANA.password);
    await eye.click();
    expect(await password.getAttribute('type')).toBe('text');
    expect(await eye.getAttribute('aria-pressed')).toBe('true');
    expect(await password.inputValue()).toBe(ANA.password);
    // A toggle button keeps its name; the state is in aria-pressed. Focus goes back to the field.
    expect(await page.getByRole('button', { name: t('login.showPassword'), pressed: true }).count()).toBe(1);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('password');
    await eye.click();
    expect(await password.getAttribute('type')).toBe('password');
    expect(await eye.getAttribute('aria-pressed')).toBe('false');
    await clickAndLoad(page, page.getByRole('button', { name: t('login.go'), exact: true }));

    // The portal.
    expect(page.url()).toBe(`${suite.server.url}/`);
    await page.getByRole('heading', { level: 1, name: 'Hello, Ana' }).waitFor();

    // The Maple Learning tile: single sign-on, no login page on the way.
    const committed: string[] = [];
    const onNavigation = (frame: { url(): string }) => {
      if (frame === page.mainFrame()) committed.push(frame.url());
    };
    page.on('framenavigated', onNavigation);
    const tile = page.getByRole('link', { name: 'Maple Learning', exact: true });
    expect(await tile.getAttribute('href')).toMatch(/\/demo-app\/$/);
    await tile.click();
    await page.getByRole('heading', { level: 1, name: 'Welcome, Ana!' }).waitFor();
    page.off('framenavigated', onNavigation);
    expect(page.url()).toBe(`${suite.server.url}/demo-app/`);
    expect(committed.filter((url) => url.includes('/interaction/'))).toEqual([]);
    expect(await page.locator('input[type="password"]').count()).toBe(0);

    // Back to the portal, then sign out.
    await page.getByRole('link', { name: 'Back to the portal' }).click();
    await page.getByRole('heading', { level: 1, name: 'Hello, Ana' }).waitFor();
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    // The end-session page submits itself (app.js); it ends on "You are signed out" or a fresh sign-in page.
    const signedOutOrLogin = page.getByRole('heading', { level: 1, name: 'You are signed out' }).or(page.locator('#username'));
    await signedOutOrLogin.first().waitFor();
    await settled(page);
    expect(await bodyText(page)).not.toContain('Hello, Ana');

    // Back must not show her portal: the browser asks the server again and lands on a login or signed-out page.
    await page.goBack();
    await settled(page);
    const afterBack = await bodyText(page);
    expect(afterBack).not.toContain('Hello, Ana');
    expect(afterBack).not.toContain(ANA.username);
    expect(await signedOutOrLogin.count()).toBeGreaterThan(0);

    // Further back through the history: never her portal or her app page either.
    for (let step = 0; step < 8; step += 1) {
      const before = page.url();
      const response = await page.goBack().catch(() => null);
      await settled(page).catch(() => undefined);
      if (!response && page.url() === before) break;
      const text = await bodyText(page);
      expect({ url: page.url(), hello: text.includes('Hello, Ana'), welcome: text.includes('Welcome, Ana!') }).toEqual({ url: page.url(), hello: false, welcome: false });
    }

    // The next student on the same device (same browser context): first types the wrong name, uses "Not you?".
    await page.goto(`${suite.server.url}/`);
    await page.locator('#username').waitFor();
    await enterUsername(page, t, ANA.username);
    await page.getByRole('button', { name: t('login.notYou') }).click();
    await page.locator('#username').waitFor();
    await enterUsername(page, t, NOAH.username);
    await enterPassword(page, t, NOAH.password);
    await page.getByRole('heading', { level: 1, name: 'Hello, Noah' }).waitFor();
    const noahPortal = await bodyText(page);
    expect(noahPortal).not.toContain('Ana');
    expect(noahPortal).toContain(NOAH.username);

    // The app, too, is Noah's: Ana's app session ended with her sign-out.
    await page.getByRole('link', { name: 'Maple Learning', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Welcome, Noah!' }).waitFor();
    expect(await bodyText(page)).not.toContain('Ana');

    expect(problems.list).toEqual([]);
  } finally {
    await context.close();
  }
}, 60_000);

describe.each<Locale>(['en', 'fr'])('accessibility (axe-core, WCAG 2.1 A and AA) in %s', (locale) => {
  test('the sign-in steps, the portal, the demo app, the sign-out pages and the help page have no violations', async () => {
    const t = suite.translators[locale];
    const { context, page, problems } = await newContext(suite.browser);
    const report: Record<string, string[]> = {};
    const check = async (name: string) => {
      expect(await page.locator('html').getAttribute('lang')).toBe(locale);
      report[name] = await axeViolations(page);
    };
    try {
      // The language switch (?lang=) is remembered by a cookie for every later page.
      await page.goto(`${suite.server.url}/?lang=${locale}`);
      await page.getByRole('heading', { level: 1, name: t('login.heading') }).waitFor();
      await check('username step');

      await enterUsername(page, t, ANA.username);
      await check('password step');

      await enterPassword(page, t, 'not-her-password');
      expect((await page.getByRole('alert').innerText()).trim()).toBe(locale === 'en' ? 'Authentication Failed' : t('login.errors.failed'));
      expect(await page.locator('#password').getAttribute('aria-invalid')).toBe('true');
      await check('password step after a failed attempt');

      await enterPassword(page, t, ANA.password);
      await page.getByRole('heading', { level: 1, name: t('portal.greeting', { name: 'Ana' }) }).waitFor();
      await check('portal');

      await page.getByRole('link', { name: 'Maple Learning', exact: true }).click();
      await page.getByRole('heading', { level: 1, name: t('demoApp.welcome', { name: 'Ana' }) }).waitFor();
      await check('demo app');

      // Signed out of the portal alone, the browser is still signed in to Homeroom: the page says so, and its
      // "Sign out everywhere" completes by itself (app.js).
      await page.goto(`${suite.server.url}/signed-out`);
      await page.getByRole('heading', { level: 1, name: t('logout.stillHeading') }).waitFor();
      await check('still-signed-in page');
      await clickAndLoad(page, page.getByRole('button', { name: t('logout.everywhere') }));
      await page.getByRole('heading', { level: 1, name: t('logout.doneHeading') }).waitFor();
      await page.goto(`${suite.server.url}/`);
      await enterUsername(page, t, ANA.username);
      await enterPassword(page, t, ANA.password);
      await page.getByRole('heading', { level: 1, name: t('portal.greeting', { name: 'Ana' }) }).waitFor();

      // The provider's end-session page, as people without JavaScript see it (the portal's and the app's sign-out
      // buttons send an id_token_hint, and app.js then submits it by itself), and its "You are signed out" page.
      await page.goto(`${suite.server.url}/session/end`);
      await page.getByRole('heading', { level: 1, name: t('logout.heading') }).waitFor();
      await check('end-session page');
      await page.getByRole('button', { name: t('logout.confirm') }).click();
      await page.getByRole('heading', { level: 1, name: t('logout.doneHeading') }).waitFor();
      await check('signed-out page');

      // The demo app's own signed-out page (where its Sign out button ends).
      await page.goto(`${suite.server.url}/demo-app/signed-out`);
      await page.getByRole('heading', { level: 1, name: t('demoApp.signedOutHeading') }).waitFor();
      await check('demo app signed-out page');

      await page.goto(`${suite.server.url}/help/login`);
      await page.getByRole('heading', { level: 1, name: t('help.login.title') }).waitFor();
      await check('help page /help/login');

      const failing = Object.entries(report).filter(([, violations]) => violations.length > 0);
      expect(failing.map(([name, violations]) => `${name}:\n  ${violations.join('\n  ')}`)).toEqual([]);
      expect(Object.keys(report)).toHaveLength(10);
      expect(problems.list).toEqual([]);
    } finally {
      await context.close();
    }
  }, 60_000);
});

describe.each<Locale>(['en', 'fr'])('on a phone (375 px wide) in %s', (locale) => {
  test('the sign-in steps and the portal fit the screen without sideways scrolling', async () => {
    const t = suite.translators[locale];
    const { context, page, problems } = await newContext(suite.browser, { viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
    const widths: Record<string, Awaited<ReturnType<typeof overflowsHorizontally>>> = {};
    const dir = suite.screenshots();
    const check = async (name: string) => {
      await page.screenshot({ path: join(dir, `${locale}-375-${name.replace(/\W+/g, '-')}.png`), fullPage: true });
      widths[name] = await overflowsHorizontally(page);
    };
    try {
      await page.goto(`${suite.server.url}/?lang=${locale}`);
      await page.locator('#username').waitFor();
      await check('username step');
      await enterUsername(page, t, ANA.username);
      await page.locator('button[data-reveal]').waitFor({ state: 'visible' });
      await check('password step');
      // The eye button must not squeeze the field: what is typed (or shown) stays readable.
      const field = await page.locator('#password').boundingBox();
      const form = await page.locator('form[action$="/password"]').boundingBox();
      expect(field!.width).toBeGreaterThanOrEqual(Math.min(180, form!.width));
      await enterPassword(page, t, 'not-her-password');
      await page.getByRole('alert').waitFor();
      await check('password step after a failed attempt');
      await enterPassword(page, t, ANA.password);
      await page.getByRole('heading', { level: 1, name: t('portal.greeting', { name: 'Ana' }) }).waitFor();
      await check('portal');

      expect(page.viewportSize()?.width).toBe(375);
      const overflowing = Object.entries(widths).filter(([, w]) => w.overflows);
      expect(overflowing.map(([name, w]) => `${name}: scrollWidth ${w.scrollWidth} > clientWidth ${w.clientWidth}; ${w.widest.join(', ')}`)).toEqual([]);
      for (const w of Object.values(widths)) expect(w.clientWidth).toBeLessThanOrEqual(375);
      expect(problems.list).toEqual([]);
    } finally {
      await context.close();
    }
  }, 60_000);
});

test('keyboard: the skip link comes first and every control shows a focus ring that stands out (3:1)', async () => {
  const t = suite.translators.en;
  const { context, page, problems } = await newContext(suite.browser);
  const pages: Record<string, FocusStop[]> = {};
  try {
    await page.goto(`${suite.server.url}/`);
    await page.locator('#username').waitFor();
    pages['username step'] = await tabOrder(page);
    await enterUsername(page, t, ANA.username);
    await page.locator('button[data-reveal]').waitFor({ state: 'visible' });
    pages['password step'] = await tabOrder(page);
    await enterPassword(page, t, ANA.password);
    await page.getByRole('heading', { level: 1, name: 'Hello, Ana' }).waitFor();
    pages.portal = await tabOrder(page);

    for (const [name, stops] of Object.entries(pages)) {
      expect({ name, first: stops[0]?.element }).toEqual({ name, first: `a "${t('layout.skip')}"` });
      const weak = stops.filter((stop) => stop.indicatorContrast < 3 || !stop.onScreen);
      expect({ name, weak }).toEqual({ name, weak: [] });
    }
    // The password step: Not you?, the field, the eye button, Go, in that order.
    expect(pages['password step'].map((stop) => stop.element).slice(1, 5)).toEqual([
      `button "${t('login.notYou')}"`,
      'input#password ""',
      `button "${t('login.showPassword')}"`,
      `button "${t('login.go')}"`,
    ]);
    expect(pages.portal.some((stop) => /^a "M?Maple Learning"$/.test(stop.element))).toBe(true);

    // The skip link moves focus to the main content.
    await page.keyboard.press('Shift+Tab');
    while (await focusStop(page)) await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('main');
    expect(problems.list).toEqual([]);
  } finally {
    await context.close();
  }
}, 60_000);
