import type { Page } from 'playwright-core';
import { axeViolations, browserSuite, clickAndLoad, heading, newContext } from '../helpers/browser.js';
import { idpCertificates, startTestSp, type TestSp } from '../helpers/saml-sp.js';

/**
 * The SAML app form and the Connect Google Workspace page in Chromium: an administrator registers a SAML app from
 * its pasted metadata and makes Google's OIDC client; axe-core finds no WCAG 2.1 A/AA problem on either page, with
 * and without errors, in English and in French.
 */
const suite = browserSuite();
let sp: TestSp;

beforeAll(async () => {
  sp = await startTestSp(suite.server.url, (await idpCertificates(suite.server.url))[0], 'browser');
  // An account Google cannot know, so the page's list has a row.
  await suite.server.services.store.db.updateTable('accounts').set({ email: null }).where('username', '=', 'mrivera').execute();
}, 60_000);
afterAll(() => sp?.close());

async function signIn(page: Page): Promise<void> {
  await page.goto(`${suite.server.url}/admin`);
  await page.locator('#username').fill('admin');
  await page.locator('#username').press('Enter');
  await page.locator('#password').waitFor();
  await page.locator('#password').fill('Admin-Maple-2026');
  await page.locator('#password').press('Enter');
  await page.waitForURL(`${suite.server.url}/admin`);
}

test('an administrator registers a SAML app from its metadata, then makes the OIDC client for Google', async () => {
  const { context, page, problems } = await newContext(suite.browser);
  try {
    await signIn(page);
    await clickAndLoad(page, page.getByRole('link', { name: 'Apps', exact: true }).first());
    await clickAndLoad(page, page.getByRole('link', { name: 'Register a SAML app' }));
    await page.getByLabel('Name (English)', { exact: true }).fill('Library Catalog');
    await page.getByLabel('Metadata (XML)', { exact: true }).fill(sp.saml.generateServiceProviderMetadata(null, sp.key.certificate));
    await page.getByLabel('Email address (Google Workspace)').check();
    await page.getByLabel('Sign the Assertion only').check();
    await clickAndLoad(page, page.getByRole('button', { name: 'Register the SAML app' }));
    expect(await page.getByRole('status').innerText()).toContain('Your changes were saved.');
    expect(await page.getByLabel('Entity ID', { exact: true }).inputValue()).toBe(sp.entityId);
    await clickAndLoad(page, page.getByRole('link', { name: 'All apps' }));
    expect(await page.getByRole('row', { name: /Library Catalog/ }).innerText()).toContain('SAML 2.0');

    await clickAndLoad(page, page.getByRole('link', { name: 'Google Workspace', exact: true }).first());
    expect(await heading(page)).toBe('Connect Google Workspace');
    expect(await page.locator('#domain-missing').count()).toBe(1);
    await page.getByLabel('Primary domain').fill('maple.example');
    await clickAndLoad(page, page.getByRole('button', { name: 'Save the domain' }));
    expect(await page.getByRole('status').innerText()).toContain('Your changes were saved.');
    expect(await page.getByLabel('Primary domain').inputValue()).toBe('maple.example');
    expect(await page.locator('#saml-sign-in-url').innerText()).toBe(`${suite.server.url}/saml/sso`);
    await page.getByLabel('Google’s redirect URI').fill('https://accounts.google.com/signin/oidc/callback/browser');
    await clickAndLoad(page, page.getByRole('button', { name: 'Create the OIDC client for Google' }));
    expect((await page.locator('#oidc-client-secret').innerText()).length).toBeGreaterThanOrEqual(40);
    expect(await page.locator('#no-email-count').innerText()).toMatch(/^\d+ active accounts? (has|have) no email address/);
    expect(await page.getByRole('row', { name: /mrivera/ }).count()).toBe(1);
    expect(problems.list).toEqual([]);
  } finally {
    await context.close();
  }
}, 120_000);

test('axe-core finds no WCAG 2.1 A/AA violations on the SAML app form and the Google Workspace page, in English and French', async () => {
  const { context, page, problems } = await newContext(suite.browser);
  const report: Record<string, string[]> = {};
  try {
    await signIn(page);
    const provider = (await suite.server.services.samlProviders.findByEntityId(sp.entityId))!;
    const paths = [
      '/admin/apps',
      '/admin/saml-apps/new',
      `/admin/saml-apps/${provider.id}`,
      `/admin/saml-apps/${provider.id}/delete`,
      '/admin/google',
      '/admin/accounts',
      '/admin/accounts?q=a',
      `/admin/accounts/${(await suite.server.services.accounts.findByUsername('S0100001'))!.id}`,
      `/admin/accounts/${(await suite.server.services.accounts.findByUsername('mrivera'))!.id}`,
    ];
    for (const locale of ['en', 'fr']) {
      for (const path of paths) {
        await page.goto(`${suite.server.url}${path}${path.includes('?') ? '&' : '?'}lang=${locale}`);
        expect(await page.locator('html').getAttribute('lang')).toBe(locale);
        report[`${locale} ${path}`] = await axeViolations(page);
      }
      // The forms showing their errors.
      await page.goto(`${suite.server.url}/admin/saml-apps/new?lang=${locale}`);
      await page.locator('#metadata').fill('not <xml');
      await page.locator('#attr_mail').fill('e mail');
      await clickAndLoad(page, page.locator('form.admin-form button[type="submit"]'));
      expect(await page.locator('#form-error').count()).toBe(1);
      report[`${locale} SAML app form with errors`] = await axeViolations(page);
      await page.goto(`${suite.server.url}/admin/google?lang=${locale}`);
      await page.locator('#domain').fill('not a domain');
      await clickAndLoad(page, page.locator('form[action="/admin/google/domain"] button[type="submit"]'));
      expect(await page.locator('#form-error').count()).toBe(1);
      report[`${locale} Google page with errors`] = await axeViolations(page);
    }
    expect(Object.entries(report).filter(([, v]) => v.length)).toEqual([]);
    expect(problems.list).toEqual([]);
  } finally {
    await context.close();
  }
}, 240_000);

test('an administrator finds a student by name and opens the account page, then a name in the audit log', async () => {
  const { context, page, problems } = await newContext(suite.browser);
  try {
    await signIn(page);
    await clickAndLoad(page, page.getByRole('link', { name: 'Accounts', exact: true }).first());
    await page.getByLabel('Username, student number or name').fill('Ana García');
    await clickAndLoad(page, page.getByRole('button', { name: 'Search' }));
    await clickAndLoad(page, page.getByRole('link', { name: 'García, Ana' }));
    expect(await heading(page)).toBe('Ana García');
    expect(await page.locator('#username').innerText()).toBe('S0100001');
    await clickAndLoad(page, page.locator('#audit-link'));
    expect(new URL(page.url()).searchParams.get('user')).toBe('S0100001');
    expect(problems.list).toEqual([]);
  } finally {
    await context.close();
  }
}, 120_000);
