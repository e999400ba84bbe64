import type { Browser, Page } from 'playwright-core';
import type { Locale } from '../../src/i18n/i18n.js';
import { axeViolations, clickAndLoad, heading, launchBrowser, newContext } from '../helpers/browser.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { appCode } from '../mfa/totp-code.js';

/**
 * What a staff member does in Chromium: set an authenticator app up at sign-in (codes computed here as a phone would),
 * save the recovery codes, sign in again with a code, manage factors at /account/security; the help desk's page too.
 * Every one of these pages, with and without an error, has no axe-core violation, in English and in French.
 */
let browser: Browser;
let server: TestServer;
beforeAll(async () => {
  browser = await launchBrowser();
  server = await startTestServer('sqlite', { overrides: { mfa: { requiredRoles: ['admin', 'helpdesk'] } } });
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const ACCOUNTS: Record<Locale, { username: string; password: string }> = {
  en: { username: 'admin', password: 'Admin-Maple-2026' },
  fr: { username: 'helpdesk', password: 'Helpdesk-Maple-2026' },
};

async function submit(page: Page, selector = 'main form.stack button[type="submit"]') {
  await clickAndLoad(page, page.locator(selector).first());
}

async function signInWithPassword(page: Page, locale: Locale) {
  const who = ACCOUNTS[locale];
  await page.goto(`${server.url}/?lang=${locale}`);
  await page.fill('#username', who.username);
  await submit(page);
  await page.fill('#password', who.password);
  await submit(page);
}

describe.each<Locale>(['en', 'fr'])('second factor in Chromium, axe-core clean, in %s', (locale) => {
  test('set up at sign-in, recovery codes, sign in with a code, /account/security, the help desk page', async () => {
    const report: Record<string, string[]> = {};
    const check = async (name: string, page: Page) => {
      expect({ name, lang: await page.locator('html').getAttribute('lang') }).toEqual({ name, lang: locale });
      report[name] = await axeViolations(page);
    };
    const first = await newContext(browser);
    const page = first.page;
    try {
      await signInWithPassword(page, locale);
      await check('set up at sign-in', page);
      expect(await page.locator('#code').getAttribute('autocomplete')).toBe('one-time-code');
      expect(await page.locator('#code').getAttribute('inputmode')).toBe('numeric');
      const uri = (await page.locator('code.secret').nth(1).textContent())!.trim();
      const secret = new URL(uri).searchParams.get('secret')!;

      await page.fill('#code', String((Number(appCode(secret)) + 1) % 1_000_000).padStart(6, '0'));
      await submit(page);
      await check('set up at sign-in, wrong code', page);
      await page.fill('#code', appCode(secret));
      await submit(page);
      expect(await page.locator('.recovery-codes li').count()).toBe(10);
      await check('recovery codes', page);
      await submit(page);
      expect(await heading(page)).toContain(locale === 'en' ? 'Hello, Dana' : 'Bonjour, Pat');

      await page.goto(`${server.url}/account/security`);
      await check('account security', page);
      await clickAndLoad(page, page.locator('form[action="/account/security/app"] button'));
      await check('add an app', page);
      await page.goto(`${server.url}/helpdesk/second-factors?username=mrivera`);
      await check('help desk', page);
      expect(first.problems.list).toEqual([]);
    } finally {
      await first.context.close();
    }

    const second = await newContext(browser);
    try {
      await signInWithPassword(second.page, locale);
      await check('code at sign-in', second.page);
      await second.page.fill('#code', '000000');
      await submit(second.page);
      await check('code at sign-in, failed', second.page);
    } finally {
      await second.context.close();
    }

    const failing = Object.entries(report).filter(([, violations]) => violations.length > 0);
    expect(failing.map(([name, violations]) => `${name}:\n  ${violations.join('\n  ')}`)).toEqual([]);
    expect(Object.keys(report)).toHaveLength(8);
  }, 120_000);
});
