import { accessSync, constants, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Locator, type Page } from 'playwright-core';
import { createI18n, type Locale, type Translate } from '../../src/i18n/i18n.js';
import { startTestServer, type TestServer } from './server.js';

/**
 * The browser tests drive the distribution's Chromium (Debian package `chromium`) with playwright-core. They never
 * download a browser: when it is missing the suite fails and says how to install it (CI installs it).
 */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/**
 * playwright-core adds `--headless` (with `headless: true`), `--no-sandbox` (unless `chromiumSandbox: true`) and a
 * fresh `--user-data-dir` itself, so only the remaining switches are passed here.
 */
const CHROMIUM_ARGS = ['--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

function checkChromium(): void {
  try {
    accessSync(CHROMIUM_PATH, constants.X_OK);
  } catch {
    throw new Error(
      `Chromium was not found at ${CHROMIUM_PATH}. The browser tests need the distribution's Chromium: ` +
        'install it with `apt-get install -y --no-install-recommends chromium` (or set CHROMIUM_PATH). ' +
        'Never run `npx playwright install`: browser downloads are blocked.',
    );
  }
}

export async function launchBrowser(): Promise<Browser> {
  checkChromium();
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, chromiumSandbox: false, args: CHROMIUM_ARGS });
}

/**
 * Chromium on a profile folder that outlives it, as a family's browser keeps its profile on disk: closing the context
 * quits the browser, and launching again on the same folder is the browser opened again the next morning.
 */
export async function launchOnProfile(profileDir: string): Promise<BrowserContext> {
  checkChromium();
  return chromium.launchPersistentContext(profileDir, { executablePath: CHROMIUM_PATH, headless: true, chromiumSandbox: false, args: CHROMIUM_ARGS, locale: 'en-US' });
}

/**
 * What went wrong in the page itself: uncaught script errors, console errors (Content-Security-Policy refusals land
 * there) and sub-resources (scripts, styles, images) that failed or answered 4xx/5xx. Documents are left out: a 401
 * after a wrong password is the page working as designed.
 */
export interface PageProblems {
  list: string[];
}

/**
 * A fresh browser context (its own cookies, like another device) whose pages record their problems. axe-core needs
 * pages from a context, not from `browser.newPage()`.
 */
export async function newContext(browser: Browser, options: BrowserContextOptions = {}): Promise<{ context: BrowserContext; page: Page; problems: PageProblems }> {
  const context = await browser.newContext({ locale: 'en-US', ...options });
  const problems: PageProblems = { list: [] };
  context.on('page', (page) => watch(page, problems));
  const page = await context.newPage();
  return { context, page, problems };
}

function watch(page: Page, problems: PageProblems): void {
  page.on('pageerror', (error) => problems.list.push(`script error on ${page.url()}: ${error.message}`));
  page.on('console', (message) => {
    // "Failed to load resource" repeats a response status, judged below.
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) problems.list.push(`console error on ${page.url()}: ${message.text()}`);
  });
  page.on('response', (response) => {
    const request = response.request();
    if (request.resourceType() !== 'document' && response.status() >= 400)
      problems.list.push(`${response.status()} for ${request.resourceType()} ${response.url()} on ${page.url()}`);
  });
  page.on('requestfailed', (request) => {
    if (request.resourceType() !== 'document') problems.list.push(`${request.resourceType()} ${request.url()} failed on ${page.url()}: ${request.failure()?.errorText}`);
  });
}

export const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

/**
 * Runs axe-core against the page as it is now (WCAG 2.0/2.1 A and AA rules) and returns the violations as readable
 * lines, one per rule and element: `[impact] rule: help — selector — failure summary`. Empty means none.
 */
export async function axeViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).withTags(WCAG_TAGS).analyze();
  const lines: string[] = [];
  for (const violation of results.violations) {
    for (const node of violation.nodes) {
      const summary = (node.failureSummary ?? '').replace(/\s+/g, ' ').trim();
      lines.push(`[${violation.impact ?? 'unknown'}] ${violation.id}: ${violation.help} — ${node.target.join(' ')} — ${summary} (${violation.helpUrl})`);
    }
  }
  return lines;
}

/** True when the page scrolls sideways (content wider than the viewport). */
export async function overflowsHorizontally(page: Page): Promise<{ overflows: boolean; scrollWidth: number; clientWidth: number; widest: string[] }> {
  return page.evaluate(() => {
    const root = document.documentElement;
    const clientWidth = root.clientWidth;
    const widest: string[] = [];
    if (root.scrollWidth > clientWidth) {
      for (const element of Array.from(document.querySelectorAll('body *'))) {
        const box = element.getBoundingClientRect();
        if (box.right > clientWidth + 0.5) {
          const name =
            element.tagName.toLowerCase() +
            (element.id ? `#${element.id}` : '') +
            (element.className && typeof element.className === 'string' ? `.${element.className.trim().split(/\s+/).join('.')}` : '');
          widest.push(`${name} (right edge ${Math.round(box.right)}px)`);
        }
      }
    }
    return { overflows: root.scrollWidth > clientWidth, scrollWidth: root.scrollWidth, clientWidth, widest: widest.slice(0, 10) };
  });
}

/** A temporary directory for screenshots (outside the repository). */
export function screenshotDir(): string {
  const wanted = process.env.BROWSER_SCREENSHOTS_DIR;
  if (!wanted) return mkdtempSync(join(tmpdir(), 'homeroom-screens-'));
  mkdirSync(wanted, { recursive: true });
  return wanted;
}

export interface FocusStop {
  /** Tag, id and text of the focused element. */
  element: string;
  /** The best contrast between a focus indicator colour (outline or box-shadow) and the background behind it. */
  indicatorContrast: number;
  /** Whether the element is inside the viewport (a skip link that stays off-screen when focused is no use). */
  onScreen: boolean;
}

/**
 * Describes the focused element: what it is, and how well its focus indicator (outline or box-shadow) stands out from
 * the background behind it (WCAG 2.4.7 / 1.4.11 ask for a visible indicator with at least 3:1).
 */
export async function focusStop(page: Page): Promise<FocusStop | null> {
  return page.evaluate(() => {
    const element = document.activeElement as HTMLElement | null;
    if (!element || element === document.body || element === document.documentElement) return null;
    const parse = (color: string): [number, number, number, number] | null => {
      const match = /rgba?\(([^)]+)\)/.exec(color);
      if (!match) return null;
      const parts = match[1]
        .split(/[\s,/]+/)
        .filter(Boolean)
        .map(Number);
      return [parts[0], parts[1], parts[2], parts.length > 3 ? parts[3] : 1];
    };
    const luminance = ([r, g, b]: number[]) => {
      const channel = (v: number) => {
        const s = v / 255;
        return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
      };
      return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
    };
    const contrast = (a: number[], b: number[]) => {
      const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
      return (hi + 0.05) / (lo + 0.05);
    };
    // The background the indicator is drawn on: the nearest ancestor (outside the element) with an opaque background.
    let background: number[] = [255, 255, 255];
    for (let node = element.parentElement; node; node = node.parentElement) {
      const color = parse(getComputedStyle(node).backgroundColor);
      if (color && color[3] >= 0.99) {
        background = color;
        break;
      }
    }
    const style = getComputedStyle(element);
    const colors: number[][] = [];
    if (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 1) {
      const outline = parse(style.outlineColor);
      if (outline && outline[3] > 0) colors.push(outline);
    }
    if (style.boxShadow && style.boxShadow !== 'none') {
      for (const match of style.boxShadow.matchAll(/rgba?\([^)]+\)/g)) {
        const shadow = parse(match[0]);
        if (shadow && shadow[3] > 0) colors.push(shadow);
      }
    }
    const box = element.getBoundingClientRect();
    const label = (element.getAttribute('aria-label') || element.textContent || '').replace(/\s+/g, ' ').trim().slice(0, 40);
    return {
      element: `${element.tagName.toLowerCase()}${element.id ? `#${element.id}` : ''} "${label}"`,
      indicatorContrast: Math.round(Math.max(0, ...colors.map((c) => contrast(c, background))) * 100) / 100,
      onScreen: box.width > 0 && box.height > 0 && box.left >= 0 && box.top >= 0 && box.right <= window.innerWidth,
    };
  });
}

/**
 * Every stop of the keyboard's Tab order, from the top of the page to the end: Shift+Tab back to the top first
 * (pages focus their first field on load), then Tab until the focus comes round again.
 */
export async function tabOrder(page: Page, maxStops = 40): Promise<FocusStop[]> {
  for (let i = 0; i < maxStops && (await focusStop(page)); i += 1) await page.keyboard.press('Shift+Tab');
  const stops: FocusStop[] = [];
  for (let i = 0; i < maxStops; i += 1) {
    await page.keyboard.press('Tab');
    const stop = await focusStop(page);
    if (!stop) {
      if (stops.length) break;
      continue;
    }
    if (stops.some((s) => s.element === stop.element)) break;
    stops.push(stop);
  }
  return stops;
}

/** Clicks something that submits or navigates, and waits until the next page has loaded. */
export async function clickAndLoad(page: Page, target: Locator): Promise<void> {
  await Promise.all([page.waitForEvent('framenavigated', (frame) => frame === page.mainFrame()), target.click()]);
  await page.waitForLoadState('load');
}

/** The page's main heading. */
export async function heading(page: Page): Promise<string> {
  return (await page.locator('h1').innerText()).trim();
}

/** The text of the page's alert. */
export async function alertText(page: Page): Promise<string> {
  return (await page.getByRole('alert').innerText()).trim();
}

/** What the page-level suites share: Chromium, a server with the demo district, and the translators of both locales. */
export interface BrowserSuite {
  browser: Browser;
  server: TestServer;
  translators: Record<Locale, Translate>;
  /** This run's screenshot folder, made on first use and printed when the suite ends. */
  screenshots(): string;
}

/** Registers the suite's beforeAll/afterAll; the fields are set once beforeAll has run. */
export function browserSuite(): BrowserSuite {
  let shots: string | undefined;
  const suite = { screenshots: () => (shots ??= screenshotDir()) } as BrowserSuite;
  beforeAll(async () => {
    // Browser first: when Chromium is missing the suite fails right here, with the install command in the message.
    suite.browser = await launchBrowser();
    suite.server = await startTestServer('sqlite');
    const i18n = await createI18n();
    suite.translators = Object.fromEntries(i18n.locales.map(({ code }) => [code, i18n.translator(code)]));
  }, 60_000);
  afterAll(async () => {
    await suite.browser?.close();
    await suite.server?.close();
    if (shots) process.stderr.write(`browser test screenshots: ${shots}\n`);
  });
  return suite;
}
