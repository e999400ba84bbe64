import { execFileSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { chromium, type Browser, type Page } from 'playwright-core';
import { openPdfPrinter } from '../../src/print/pdf.js';
import { axeViolations, CHROMIUM_PATH, clickAndLoad, newContext } from '../helpers/browser.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/**
 * A fourth-grader signs in with the badge from the printed sheet: held up to the camera (Chromium's fake camera plays
 * a video made from the printed page), or with the code typed in a browser without JavaScript. axe-core finds no
 * WCAG 2.1 A/AA problem on the new pages, in English and French.
 */

const WIDTH = 640;
const HEIGHT = 480;

/** A Y4M video (4:2:0, grey) of a few frames of one 8-bit grey image: what Chromium's fake camera plays in a loop. */
function y4mFromPgm(pgm: Buffer): Buffer {
  const header = /^P5\s+(\d+)\s+(\d+)\s+(\d+)\s/.exec(pgm.subarray(0, 50).toString('latin1'))!;
  const [width, height] = [Number(header[1]), Number(header[2])];
  const pixels = pgm.subarray(header[0].length);
  const luma = Buffer.alloc(WIDTH * HEIGHT, 255);
  for (let y = 0; y < Math.min(height, HEIGHT); y += 1) pixels.copy(luma, y * WIDTH, y * width, y * width + Math.min(width, WIDTH));
  const chroma = Buffer.alloc((WIDTH / 2) * (HEIGHT / 2), 128);
  const frame = Buffer.concat([Buffer.from('FRAME\n'), luma, chroma, chroma]);
  return Buffer.concat([Buffer.from(`YUV4MPEG2 W${WIDTH} H${HEIGHT} F5:1 Ip A1:1 C420jpeg\n`), ...Array.from({ length: 5 }, () => frame)]);
}

let server: TestServer;
let browser: Browser;
let dir: string;
let code: string;
let leaId: string;

beforeAll(async () => {
  server = await startTestServer('sqlite');
  dir = mkdtempSync(join(tmpdir(), 'homeroom-badge-camera-'));
  // Léa's card, printed as a teacher prints it, then photographed: its top-left corner rendered at 150 dpi.
  const selection = await server.services.badgeSheets.select({ classId: 'cls-4-sci-rivera', locale: 'en' });
  const lea = selection.students.find((s) => s.username === 'S0100003')!;
  leaId = lea.accountId;
  const printer = await openPdfPrinter(CHROMIUM_PATH);
  const pdf = join(dir, 'lea.pdf');
  try {
    const out = createWriteStream(pdf);
    await server.services.badgeSheets.print({ ...selection, students: [lea] }, printer, out, { id: null });
    await finished(out).catch(() => undefined);
  } finally {
    await printer.close();
  }
  code = (await server.services.badges.forPrinting([{ accountId: lea.accountId, grade: lea.grade }], { id: null })).get(lea.accountId)!.code;
  execFileSync('pdftoppm', ['-gray', '-r', '150', '-f', '1', '-l', '1', '-x', '0', '-y', '0', '-W', String(WIDTH), '-H', String(HEIGHT), pdf, join(dir, 'card')]);
  const pgm = readFileSync(
    join(
      dir,
      execFileSync('ls', [dir], { encoding: 'utf8' })
        .split('\n')
        .find((f) => f.startsWith('card'))!,
    ),
  );
  const video = join(dir, 'badge.y4m');
  writeFileSync(video, y4mFromPgm(pgm));
  browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    chromiumSandbox: false,
    args: [
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream',
      `--use-file-for-fake-video-capture=${video}`,
    ],
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function badgePage(page: Page, lang = 'en') {
  await page.goto(`${server.url}/?lang=${lang}`);
  await clickAndLoad(page, page.locator('a[href$="/badge"]'));
  expect(page.url()).toMatch(/\/interaction\/[^/]+\/badge$/);
}

test('held up to the camera, the printed badge signs the student in to the portal', async () => {
  const { context, page, problems } = await newContext(browser);
  try {
    await badgePage(page);
    // The camera reads the card and the page signs in by itself.
    await page.waitForURL(`${server.url}/`, { timeout: 30_000 });
    expect(await page.locator('body').innerText()).toContain('Hello, Léa');
    const [event] = await server.services.audit.recent({ type: 'login.succeeded', subjectId: leaId });
    expect(event.data).toMatchObject({ method: 'badge' });
    expect(problems.list).toEqual([]);
  } finally {
    await context.close();
  }
}, 60_000);

test('without JavaScript the typed code signs in; once voided the same code is refused', async () => {
  const { context, page } = await newContext(browser, { javaScriptEnabled: false });
  try {
    await badgePage(page);
    await page.getByLabel('Badge code').fill(code.toLowerCase());
    await clickAndLoad(page, page.getByRole('button', { name: 'Go', exact: true }));
    expect(await page.locator('body').innerText()).toContain('Hello, Léa');
  } finally {
    await context.close();
  }
  await server.services.badges.void(leaId, { id: null });
  const again = await newContext(browser, { javaScriptEnabled: false });
  try {
    await badgePage(again.page);
    await again.page.getByLabel('Badge code').fill(code);
    await clickAndLoad(again.page, again.page.getByRole('button', { name: 'Go', exact: true }));
    expect(await again.page.locator('[role="alert"]').innerText()).toBe('Authentication Failed');
    expect(await again.page.locator('body').innerText()).not.toContain('Hello, Léa');
  } finally {
    await again.context.close();
  }
}, 60_000);

test('axe-core finds no WCAG 2.1 A/AA violations on the badge pages, in English and French', async () => {
  // The camera keeps showing Léa's card, voided: the page with JavaScript refuses it once and stays on the error.
  await server.services.badges.void(leaId, { id: null });
  const report: Record<string, string[]> = {};
  for (const lang of ['en', 'fr']) {
    // The camera's view, its status line, the "Badge code" field and the refusal (axe-core runs scripts, so the
    // page is checked with them; without them it is the same page less the camera).
    const badge = await newContext(browser, { locale: lang === 'fr' ? 'fr-FR' : 'en-US' });
    try {
      await badgePage(badge.page, lang);
      await badge.page.locator('#form-error').waitFor({ timeout: 20_000 });
      expect(await badge.page.locator('html').getAttribute('lang')).toBe(lang);
      expect(await badge.page.locator('video[data-badge-video]').isVisible()).toBe(true);
      report[`${lang} badge page`] = await axeViolations(badge.page);
      // The refused card, still in view, is not sent again.
      expect(await badge.page.locator('#form-error').count()).toBe(1);
    } finally {
      await badge.context.close();
    }
    const { context, page } = await newContext(browser, { locale: lang === 'fr' ? 'fr-FR' : 'en-US' });
    try {
      await page.goto(`${server.url}/?lang=${lang}`);
      await page.locator('#username').fill('mrivera');
      await clickAndLoad(page, page.locator('form[action$="/username"] button[type="submit"]'));
      await page.locator('#password').fill('Teach-Lakeside-2026');
      await clickAndLoad(page, page.locator('form[action$="/password"] button[type="submit"]'));
      await page.goto(`${server.url}/staff?lang=${lang}`);
      expect(await page.locator('a[href$="/badges"]').count()).toBe(1);
      report[`${lang} My students with badges`] = await axeViolations(page);
    } finally {
      await context.close();
    }
  }
  // The page a badge sign-in gets from an app kept for password sign-ins, and the console's badge sheets page.
  const malik = (await server.services.accounts.findByUsername('S0100004'))!;
  const malikCode = (await server.services.badges.forPrinting([{ accountId: malik.id, grade: malik.grade }], { id: null })).get(malik.id)!.code;
  const { client } = await server.services.clients.register({ name: 'Math Quest', redirectUris: ['https://mathquest.example/callback'], firstParty: true });
  await server.services.policies.save({ 'signIn.youngApps': 'marked' }, { id: malik.id, ip: null });
  try {
    for (const lang of ['en', 'fr']) {
      const { context, page } = await newContext(browser, { locale: lang === 'fr' ? 'fr-FR' : 'en-US' });
      try {
        // The badge's own address carries the code: the page sends it before the camera finds anything.
        await page.goto(`${server.url}/badge?lang=${lang}#${malikCode.replace(/-/g, '')}`);
        await page.waitForURL(`${server.url}/`);
        const query = new URLSearchParams({ client_id: client.clientId, redirect_uri: 'https://mathquest.example/callback', response_type: 'code', scope: 'openid', state: 's' });
        const response = await page.goto(`${server.url}/auth?${query}&ui_locales=${lang}`);
        await page.waitForLoadState('load');
        expect(response && (await page.locator('h1').innerText())).toContain('Math Quest');
        report[`${lang} app kept for password sign-ins`] = await axeViolations(page);
      } finally {
        await context.close();
      }
      const admin = await newContext(browser, { locale: lang === 'fr' ? 'fr-FR' : 'en-US' });
      try {
        await admin.page.goto(`${server.url}/admin/badges?lang=${lang}`);
        await admin.page.locator('#username').fill('admin');
        await clickAndLoad(admin.page, admin.page.locator('form[action$="/username"] button[type="submit"]'));
        await admin.page.locator('#password').fill('Admin-Maple-2026');
        await clickAndLoad(admin.page, admin.page.locator('form[action$="/password"] button[type="submit"]'));
        await admin.page.goto(`${server.url}/admin/badges?lang=${lang}`);
        expect(await admin.page.locator('h1').innerText()).toBe(lang === 'fr' ? 'Feuilles de badges' : 'Badge sheets');
        report[`${lang} console's badge sheets`] = await axeViolations(admin.page);
      } finally {
        await admin.context.close();
      }
    }
  } finally {
    await server.services.policies.save({ 'signIn.youngApps': 'all' }, { id: malik.id, ip: null });
  }
  expect(Object.entries(report).filter(([, v]) => v.length)).toEqual([]);
}, 120_000);
