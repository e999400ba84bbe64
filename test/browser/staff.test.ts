import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { foldAnswer } from '../../src/accounts/normalize.js';
import type { Locale, Translate } from '../../src/i18n/i18n.js';
import { pdfText } from '../helpers/pdf-tools.js';
import { alertText, axeViolations, browserSuite, clickAndLoad, focusStop, type FocusStop, heading, newContext, overflowsHorizontally } from '../helpers/browser.js';

/**
 * Teachers and the help desk in the distribution's Chromium, as the district letter tells it: "My student does not
 * remember the answers to his/her challenge questions. The student's account will have to be reset. Please contact the
 * student's teacher […] Teachers will submit a ticket on the student's behalf. Once the student's account has been
 * reset, the student must complete the claim process." Then axe-core's WCAG 2.1 A/AA rules on every staff page in
 * English and French, a 375 px phone, and the help-desk queue with the keyboard alone.
 */

interface Student {
  username: string;
  givenName: string;
  familyName: string;
  studentId: string;
}

const NOAH: Student = { username: 'S0100002', givenName: 'Noah', familyName: 'Tremblay', studentId: '100002' };
const NOAH_OLD_PASSWORD = 'Lakeside-Noah-2026';
const TEACHER = { username: 'mrivera', password: 'Teach-Lakeside-2026', name: 'María Rivera' };
/** Made in beforeAll, as in test/staff/tickets.test.ts: the demo roster has no help-desk person. */
const DESK = { username: 'deskpat', password: 'Help-Desk-Phrase-1' };
const SCHOOL = 'Lakeside Elementary School';

/** Unclaimed demo students of Ms Rivera's classes (src/demo/roster), claimed in the tests that need one of their own. */
const SOFIA: Student = { username: 'S0100005', givenName: 'Sofía', familyName: 'Martínez', studentId: '100005' };
const JEAN_LUC: Student = { username: 'S0100006', givenName: 'Jean-Luc', familyName: 'Bouchard', studentId: '100006' };
const KWAME: Student = { username: 'S0100008', givenName: 'Kwame', familyName: 'Mensah', studentId: '100008' };
const SIOBHAN: Student = { username: 'S0100009', givenName: 'Siobhán', familyName: 'Ó Briain', studentId: '100009' };
const YUSUF: Student = { username: 'S0100010', givenName: 'Yusuf', familyName: 'Öztürk', studentId: '100010' };
const MARY_ANN: Student = { username: 'S0100011', givenName: 'Mary Ann', familyName: 'van der Berg', studentId: '100011' };

/** The questions Noah chose when he first claimed his account, and the answers he no longer remembers. */
const NOAH_FIRST_CHOICES = [
  { question: 'firstPet', answer: 'Biscuit' },
  { question: 'favoriteTeacher', answer: 'Lavoie' },
  { question: 'firstSchool', answer: 'École Sainte-Anne' },
];
/** The new ones he chooses when he claims the account again. */
const NOAH_NEW_CHOICES = [
  { question: 'dreamJob', answer: 'Astronaut' },
  { question: 'favoriteSport', answer: 'Hockey' },
  { question: 'bestFriend', answer: 'Ana' },
];

const suite = browserSuite();

beforeAll(async () => {
  await suite.server.services.accounts.create({
    username: DESK.username,
    givenName: 'Pat',
    familyName: 'Lee',
    roles: ['helpdesk'],
    passwordHash: await suite.server.services.hasher.hash(DESK.password),
  });
  // The demo seeds Noah's password but not the challenge answers of his first claim: store them as the claim does
  // (folded, then hashed), so that "Forgot my Password" asks him his own three questions.
  const noah = (await suite.server.services.accounts.findByUsername(NOAH.username))!;
  const now = Date.now();
  for (const [position, choice] of NOAH_FIRST_CHOICES.entries()) {
    await suite.server.services.store.db
      .insertInto('challenge_answers')
      .values({ account_id: noah.id, position, question_id: choice.question, answer_hash: await suite.server.services.hasher.hash(foldAnswer(choice.answer)), created_at: now })
      .execute();
  }
}, 60_000);

/** Claims a demo student's account without the pages (the claim flow has browser tests of its own). */
async function claimQuietly(student: Student): Promise<void> {
  const account = (await suite.server.services.accounts.findByUsername(student.username))!;
  if (account.passwordHash) return;
  const hash = await suite.server.services.hasher.hash(`${student.givenName}-Claimed-2026!`);
  const answers = await Promise.all(NOAH_NEW_CHOICES.map(async (c) => ({ questionId: c.question, answerHash: await suite.server.services.hasher.hash(foldAnswer(c.answer)) })));
  expect(await suite.server.services.claims.completeClaim(account.id, hash, answers)).toBe(true);
}

async function statusText(page: Page): Promise<string> {
  return (await page.getByRole('status').innerText()).trim();
}

async function bodyText(page: Page): Promise<string> {
  return page.locator('body').innerText();
}

/** The sign-in page's two steps, through the visible controls. */
async function signInHere(page: Page, t: Translate, username: string, password: string): Promise<void> {
  await page.locator('#username').fill(username);
  await page.getByRole('button', { name: t('login.go'), exact: true }).click();
  await page.locator('#password').waitFor();
  await page.locator('#password').fill(password);
  await clickAndLoad(page, page.getByRole('button', { name: t('login.go'), exact: true }));
}

/** Opens a staff page; without a session it starts a sign-in that comes back to it. */
async function openAsStaff(page: Page, t: Translate, path: string, who: { username: string; password: string }, expectedHeading: string): Promise<void> {
  await page.goto(`${suite.server.url}${path}`);
  if (await page.locator('#username').count()) await signInHere(page, t, who.username, who.password);
  await page.getByRole('heading', { level: 1, name: expectedHeading }).waitFor();
}

function fullName(student: Student): string {
  return `${student.givenName} ${student.familyName}`;
}

/** The teacher's row of a student in My students (the row header is "Family, Given"). */
function studentRow(page: Page, student: Student): Locator {
  return page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: `${student.familyName}, ${student.givenName}`, exact: true }) });
}

/** The help desk's row of a student's request in the queue. */
function queueRow(page: Page, student: Student): Locator {
  return page.getByRole('row').filter({ hasText: student.username });
}

/** From My students: Request reset → the reason → Send. Ends on the ticket page; returns its address. */
async function requestReset(page: Page, t: Translate, student: Student, reason: string, check?: (name: string) => Promise<void>): Promise<string> {
  await clickAndLoad(page, page.getByRole('link', { name: `${t('staff.requestReset')} — ${fullName(student)}`, exact: true }));
  expect(await heading(page)).toBe(t('staff.reset.heading'));
  expect(await page.locator('main').innerText()).toContain(t('staff.reset.for', { name: fullName(student), username: student.username }));
  await check?.('reset request');
  await page.getByLabel(t('staff.reset.reason'), { exact: true }).fill(reason);
  await clickAndLoad(page, page.getByRole('button', { name: t('staff.reset.submit'), exact: true }));
  expect(page.url()).toMatch(/\/staff\/tickets\/[^/?]+$/);
  expect(await heading(page)).toBe(t('staff.ticket.heading'));
  return page.url();
}

async function fillIdentify(page: Page, student: Student): Promise<void> {
  await page.locator('#familyName').fill(student.familyName);
  await page.locator('#givenName').fill(student.givenName);
  await page.locator('#studentId').fill(student.studentId);
}

async function fillNewPassword(page: Page, password: string): Promise<void> {
  await page.locator('#password').fill(password);
  await page.locator('#confirm').fill(password);
}

async function next(page: Page, t: Translate): Promise<void> {
  await clickAndLoad(page, page.getByRole('button', { name: t('flows.next'), exact: true }));
}

/** "Forgot my Password" from the sign-in page up to the answers step; returns the three questions asked. */
async function recoveryQuestions(page: Page, t: Translate, username: string): Promise<string[]> {
  await page.goto(`${suite.server.url}/`);
  await clickAndLoad(page, page.getByRole('link', { name: t('login.forgotPassword'), exact: true }));
  await page.locator('#username').fill(username);
  await next(page, t);
  expect(await heading(page)).toBe(t('recovery.answers.heading'));
  return page.locator('form label').allInnerTexts();
}

test('the letter: Noah forgot his answers; his teacher asks for a reset, the help desk approves, the sheet is printed, Noah claims again and signs in', async () => {
  const t = suite.translators.en;
  const newPassword = 'Noah-Fresh-Start-9';
  const question = (id: string) => t(`questions.${id}`);

  // Last spring Noah signed in at school: his teacher will see a last sign-in.
  const spring = await newContext(suite.browser);
  try {
    await spring.page.goto(`${suite.server.url}/`);
    await signInHere(spring.page, t, NOAH.username, NOAH_OLD_PASSWORD);
    await spring.page.getByRole('heading', { level: 1, name: 'Hello, Noah' }).waitFor();
    expect(spring.problems.list).toEqual([]);
  } finally {
    await spring.context.close();
  }

  // At home he has forgotten his password, and "Forgot my Password" cannot get him past his own three questions.
  const home = await newContext(suite.browser);
  try {
    const { page } = home;
    expect(await recoveryQuestions(page, t, NOAH.username)).toEqual(NOAH_FIRST_CHOICES.map((c) => question(c.question)));
    await page.locator('#answer1').fill('Rex');
    await page.locator('#answer2').fill('Smith');
    await page.locator('#answer3').fill('Lakeside');
    await next(page, t);
    expect(await alertText(page)).toBe('One or more answers are not correct.');
    expect(await heading(page)).toBe('Answer your challenge questions');
    // The page tells the family what the letter says: the teacher can ask for a reset.
    expect(await page.locator('main').innerText()).toContain("The student's teacher can ask for the account to be reset");
    expect(home.problems.list).toEqual([]);
  } finally {
    await home.context.close();
  }

  // The teacher signs in, finds Noah in My students, and asks for a reset.
  const teacher = await newContext(suite.browser);
  const desk = await newContext(suite.browser);
  try {
    const { page } = teacher;
    await openAsStaff(page, t, '/staff', TEACHER, 'My students');
    expect(page.url()).toBe(`${suite.server.url}/staff`);
    // Her two classes, each a section named by its heading, with its table in a scrolling region of the same name.
    for (const title of ['5th Grade Homeroom – Ms Rivera', '4th Grade Science – Ms Rivera']) {
      expect(await page.getByRole('heading', { level: 2, name: new RegExp(`^${title}`) }).count()).toBe(1);
      expect(await page.getByRole('region', { name: new RegExp(`^${title}`) }).count()).toBe(2);
    }
    const row = studentRow(page, NOAH);
    expect(await row.count()).toBe(1);
    const cells = (await row.getByRole('cell').allInnerTexts()).map((c) => c.trim());
    // Username, claimed, last sign-in, status, action.
    expect(cells[0]).toBe(NOAH.username);
    expect(cells[1]).toBe('Yes');
    expect(cells[2]).not.toBe('Never');
    expect(cells[2]).toMatch(/\d/);
    expect(cells[3]).toBe('Ready');
    expect(await row.getByRole('link').count()).toBe(1);
    expect(await row.getByRole('link', { name: 'Request reset — Noah Tremblay', exact: true }).count()).toBe(1);

    const reason = 'Noah does not remember the answers to his challenge questions (his mother called on July 29).';
    const ticketUrl = await requestReset(page, t, NOAH, reason);
    const ticketMain = page.locator('main');
    expect(await ticketMain.innerText()).toContain('Waiting for the help desk');
    expect(await ticketMain.innerText()).toContain(reason);
    expect(await page.getByRole('button', { name: 'Download the re-claim sheet (PDF)' }).count()).toBe(0);
    // Back in My students, his row says a reset was asked for and links to the request.
    await page.goto(`${suite.server.url}/staff`);
    expect((await studentRow(page, NOAH).getByRole('cell').nth(3).innerText()).trim()).toBe('Reset requested');
    expect(await studentRow(page, NOAH).getByRole('link', { name: 'View request' }).getAttribute('href')).toBe(new URL(ticketUrl).pathname);

    // The help desk (another person, another browser) sees the request in the queue and approves it.
    const dp = desk.page;
    await openAsStaff(dp, t, '/helpdesk', DESK, 'Reset requests');
    const request = queueRow(dp, NOAH);
    expect(await request.count()).toBe(1);
    const requestText = await request.innerText();
    for (const part of ['Noah Tremblay', NOAH.username, SCHOOL, TEACHER.name, reason]) expect(requestText).toContain(part);
    const select = dp.getByRole('checkbox', { name: 'Select the request for Noah Tremblay', exact: true });
    await select.check();
    expect(await select.isChecked()).toBe(true);
    await clickAndLoad(dp, dp.getByRole('button', { name: 'Approve the selected requests', exact: true }));
    expect(await statusText(dp)).toBe('1 approved, 0 no longer open.');
    expect(await queueRow(dp, NOAH).count()).toBe(0);
    expect(desk.problems.list).toEqual([]);

    // The teacher's ticket page now says the account was reset, and offers the re-claim sheet.
    await page.goto(ticketUrl);
    expect(await page.locator('main').innerText()).toContain('Account reset');
    // My students: Noah has to claim his account again; nothing to ask for until he has.
    await page.goto(`${suite.server.url}/staff`);
    const afterReset = studentRow(page, NOAH);
    const resetCells = (await afterReset.getByRole('cell').allInnerTexts()).map((c) => c.trim());
    expect([resetCells[1], resetCells[3], resetCells[4]]).toEqual(['No', 'Not ready', '—']);
    expect(await afterReset.getByRole('link').count()).toBe(0);
    // The re-claim sheet: a PDF in the family's language (test/letters/reclaim.test.ts reads it in every direction).
    await page.goto(ticketUrl);
    const sheetLanguage = page.getByRole('combobox', { name: 'Language of the re-claim sheet', exact: true });
    expect(await sheetLanguage.inputValue()).toBe('auto');
    await sheetLanguage.selectOption('fr');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download the re-claim sheet (PDF)', exact: true }).click()]);
    expect(download.suggestedFilename()).toBe(`reclaim-${NOAH.username}-fr.pdf`);
    const sheet = pdfText(await download.path());
    expect(sheet).toContain('Réclamez de nouveau votre compte, Noah Tremblay');
    expect(sheet).toContain(NOAH.username);
    expect(sheet).toContain(NOAH.studentId);
    expect(sheet).toContain(suite.server.config.issuer);
    // The teacher's own page stays in her language.
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    expect(teacher.problems.list).toEqual([]);
  } finally {
    await desk.context.close();
  }

  // Noah's old password no longer signs in.
  const family = await newContext(suite.browser);
  try {
    const { page } = family;
    await page.goto(`${suite.server.url}/`);
    await signInHere(page, t, NOAH.username, NOAH_OLD_PASSWORD);
    expect(await alertText(page)).toBe('Authentication Failed');

    // He claims the account again with the same name and student ID, as the sheet says.
    await page.goto(`${suite.server.url}/`);
    await clickAndLoad(page, page.getByRole('link', { name: 'Claim my Account', exact: true }));
    await fillIdentify(page, NOAH);
    await next(page, t);
    expect(await heading(page)).toBe('Create a password');
    // "Students cannot reuse a password": the old one is refused.
    await fillNewPassword(page, NOAH_OLD_PASSWORD);
    await next(page, t);
    expect(await alertText(page)).toBe('This account has used this password before. Choose a new one.');
    await fillNewPassword(page, newPassword);
    await next(page, t);
    expect(await heading(page)).toBe('Choose three challenge questions');
    for (const [i, choice] of NOAH_NEW_CHOICES.entries()) {
      await page.locator(`#question${i + 1}`).selectOption(choice.question);
      await page.locator(`#answer${i + 1}`).fill(choice.answer);
    }
    await next(page, t);
    expect(await heading(page)).toBe('The account is ready');
    expect(await page.locator('strong.username').innerText()).toBe(NOAH.username);

    // Then he signs in with the new password and lands on the portal.
    await clickAndLoad(page, page.getByRole('link', { name: 'Continue', exact: true }));
    expect(await heading(page)).toBe('Enter your password');
    await page.locator('#password').fill(newPassword);
    await clickAndLoad(page, page.getByRole('button', { name: 'Go', exact: true }));
    await page.getByRole('heading', { level: 1, name: 'Hello, Noah' }).waitFor();
    expect(page.url()).toBe(`${suite.server.url}/`);
    expect(family.problems.list).toEqual([]);
  } finally {
    await family.context.close();
  }

  // "Forgot my Password" now asks his new questions, not the forgotten ones.
  const later = await newContext(suite.browser);
  try {
    expect(await recoveryQuestions(later.page, t, NOAH.username)).toEqual(NOAH_NEW_CHOICES.map((c) => question(c.question)));
  } finally {
    await later.context.close();
  }

  // And his teacher sees him ready again.
  try {
    const { page } = teacher;
    await page.goto(`${suite.server.url}/staff?lang=en`);
    const cells = (await studentRow(page, NOAH).getByRole('cell').allInnerTexts()).map((c) => c.trim());
    expect([cells[1], cells[3]]).toEqual(['Yes', 'Ready']);
    expect(teacher.problems.list).toEqual([]);
  } finally {
    await teacher.context.close();
  }
}, 120_000);

/**
 * Every staff page in one language, each passed to `check`: My students (all, not ready), the reset request, the ticket
 * (open), the queue with the request, the queue after approving (with its status message), the empty queue, the ticket
 * (reset) with the re-claim sheet's download. The teacher and the help desk use two browser contexts.
 */
async function walkStaffPages(teacherPage: Page, deskPage: Page, locale: Locale, student: Student, check: (page: Page, name: string) => Promise<void>): Promise<void> {
  const t = suite.translators[locale];
  await claimQuietly(student);

  await openAsStaff(teacherPage, t, `/staff?lang=${locale}`, TEACHER, t('staff.heading'));
  expect(await studentRow(teacherPage, student).count()).toBe(1);
  await check(teacherPage, 'my students');
  await clickAndLoad(teacherPage, teacherPage.getByRole('link', { name: t('staff.filter.notReady'), exact: true }));
  expect(teacherPage.url()).toBe(`${suite.server.url}/staff?filter=not-ready`);
  // A student claimed but never signed in is not ready.
  expect(await studentRow(teacherPage, student).count()).toBe(1);
  expect(await teacherPage.locator('[aria-current="page"]').innerText()).toBe(t('staff.filter.notReady'));
  await check(teacherPage, 'my students, not ready');
  await clickAndLoad(teacherPage, teacherPage.getByRole('link', { name: t('staff.filter.all'), exact: true }));

  const ticketUrl = await requestReset(teacherPage, t, student, locale === 'fr' ? "L'élève a oublié ses réponses." : 'The student forgot the answers.', (name) =>
    check(teacherPage, name),
  );
  expect(await teacherPage.locator('main').innerText()).toContain(t('staff.ticketStatus.open'));
  await check(teacherPage, 'ticket, open');

  await openAsStaff(deskPage, t, `/helpdesk?lang=${locale}`, DESK, t('helpdesk.heading'));
  expect(await queueRow(deskPage, student).count()).toBe(1);
  await check(deskPage, 'queue with requests');
  // Everything in the queue is approved (requests left by other tests too), so the queue ends empty.
  for (const box of await deskPage.getByRole('checkbox').all()) await box.check();
  await clickAndLoad(deskPage, deskPage.getByRole('button', { name: t('helpdesk.approveSelected'), exact: true }));
  expect(await statusText(deskPage)).toMatch(/^\S+/);
  expect(await deskPage.locator('main').innerText()).toContain(t('helpdesk.empty'));
  await check(deskPage, 'queue after approving, with the result');
  await deskPage.goto(`${suite.server.url}/helpdesk`);
  expect(await deskPage.getByRole('checkbox').count()).toBe(0);
  expect(await deskPage.locator('main').innerText()).toContain(t('helpdesk.empty'));
  await check(deskPage, 'queue, empty');

  await teacherPage.goto(ticketUrl);
  expect(await teacherPage.locator('main').innerText()).toContain(t('staff.ticketStatus.approved'));
  await check(teacherPage, 'ticket, reset');
  expect(await teacherPage.getByRole('button', { name: t('staff.ticket.sheetDownload'), exact: true }).count()).toBe(1);
}

const STAFF_PAGES = 8;

describe.each<Locale>(['en', 'fr'])('accessibility (axe-core, WCAG 2.1 A and AA) in %s', (locale) => {
  test('My students, the reset request, the ticket, the ticket with its re-claim sheet download and the help-desk queue have no violations', async () => {
    const teacher = await newContext(suite.browser);
    const desk = await newContext(suite.browser);
    const report: Record<string, string[]> = {};
    try {
      await walkStaffPages(teacher.page, desk.page, locale, locale === 'fr' ? JEAN_LUC : SOFIA, async (page, name) => {
        expect({ name, lang: await page.locator('html').getAttribute('lang') }).toEqual({ name, lang: locale });
        report[name] = await axeViolations(page);
      });
      const failing = Object.entries(report).filter(([, violations]) => violations.length > 0);
      expect(failing.map(([name, violations]) => `${name}:\n  ${violations.join('\n  ')}`)).toEqual([]);
      expect(Object.keys(report)).toHaveLength(STAFF_PAGES);
      expect([...teacher.problems.list, ...desk.problems.list]).toEqual([]);
    } finally {
      await teacher.context.close();
      await desk.context.close();
    }
  }, 90_000);
});

describe.each<Locale>(['en', 'fr'])('on a phone (375 px wide) in %s', (locale) => {
  test('the staff pages never scroll sideways; wide tables scroll inside a named, focusable region', async () => {
    const phone = { viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };
    const teacher = await newContext(suite.browser, phone);
    const desk = await newContext(suite.browser, phone);
    const widths: Record<string, Awaited<ReturnType<typeof overflowsHorizontally>>> = {};
    const regions: Record<string, { name: string; tabIndex: number; scrolls: boolean }[]> = {};
    const dir = suite.screenshots();
    try {
      await walkStaffPages(teacher.page, desk.page, locale, locale === 'fr' ? SIOBHAN : KWAME, async (page, name) => {
        await page.screenshot({ path: join(dir, `staff-${locale}-375-${name.replace(/\W+/g, '-')}.png`), fullPage: true });
        widths[name] = await overflowsHorizontally(page);
        const fits = await page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth);
        expect({ name, fits }).toEqual({ name, fits: !widths[name].overflows });
        regions[name] = await page.locator('.table-wrap').evaluateAll((wraps) =>
          wraps.map((wrap) => ({
            name: wrap.getAttribute('aria-label') ?? document.getElementById(wrap.getAttribute('aria-labelledby') ?? '')?.textContent?.trim() ?? '',
            tabIndex: (wrap as HTMLElement).tabIndex,
            scrolls: wrap.scrollWidth > wrap.clientWidth,
          })),
        );
      });
      expect(teacher.page.viewportSize()?.width).toBe(375);
      const overflowing = Object.entries(widths).filter(([, w]) => w.overflows);
      expect(overflowing.map(([name, w]) => `${name}: scrollWidth ${w.scrollWidth} > clientWidth ${w.clientWidth}; ${w.widest.join(', ')}`)).toEqual([]);
      for (const w of Object.values(widths)) expect(w.clientWidth).toBeLessThanOrEqual(375);
      expect(Object.keys(widths)).toHaveLength(STAFF_PAGES);
      // The tables are wider than a phone: they scroll inside their region, which has a name and takes the keyboard.
      expect(regions['my students'].length).toBeGreaterThanOrEqual(2);
      expect(regions['queue with requests']).toHaveLength(1);
      for (const name of ['my students', 'queue with requests']) {
        for (const region of regions[name]) expect({ name, named: region.name.length > 0, tabIndex: region.tabIndex }).toEqual({ name, named: true, tabIndex: 0 });
      }
      expect(regions['my students'].some((r) => r.scrolls)).toBe(true);
      expect(regions['queue with requests'].some((r) => r.scrolls)).toBe(true);
      expect([...teacher.problems.list, ...desk.problems.list]).toEqual([]);
    } finally {
      await teacher.context.close();
      await desk.context.close();
    }
  }, 90_000);
});

/**
 * Every stop of the keyboard's Tab order, from the top of the page to the end (as in login-portal.test.ts). A stop
 * seen before (the same element, not just the same text: several rows have a "View request" link) ends the walk.
 */
async function tabOrder(page: Page): Promise<FocusStop[]> {
  for (let i = 0; i < 60 && (await focusStop(page)); i += 1) await page.keyboard.press('Shift+Tab');
  await page.evaluate(() => ((window as unknown as { seenStops: WeakSet<Element> }).seenStops = new WeakSet()));
  const stops: FocusStop[] = [];
  for (let i = 0; i < 80; i += 1) {
    await page.keyboard.press('Tab');
    const stop = await focusStop(page);
    if (!stop) {
      if (stops.length) break;
      continue;
    }
    const seen = await page.evaluate(() => {
      const set = (window as unknown as { seenStops: WeakSet<Element> }).seenStops;
      const element = document.activeElement!;
      if (set.has(element)) return true;
      set.add(element);
      return false;
    });
    if (seen) break;
    stops.push(stop);
  }
  return stops;
}

/** Presses Tab until `target` has the focus (at most `limit` times); false when it never gets it. */
async function tabTo(page: Page, target: Locator, limit = 60): Promise<boolean> {
  for (let i = 0; i < limit; i += 1) {
    if (await target.evaluate((element) => element === document.activeElement)) return true;
    await page.keyboard.press('Tab');
  }
  return target.evaluate((element) => element === document.activeElement);
}

test('keyboard: the queue’s checkboxes, notes and Reject buttons are reached in order, have names, show a focus ring (3:1) and work', async () => {
  const t = suite.translators.en;
  const teacher = await newContext(suite.browser);
  const desk = await newContext(suite.browser);
  const pages: Record<string, FocusStop[]> = {};
  try {
    // Two requests from Ms Rivera.
    const ticketIds: Record<string, string> = {};
    await openAsStaff(teacher.page, t, '/staff?lang=en', TEACHER, 'My students');
    for (const student of [YUSUF, MARY_ANN]) {
      await claimQuietly(student);
      await teacher.page.goto(`${suite.server.url}/staff`);
      const url = await requestReset(teacher.page, t, student, `Keyboard test for ${student.givenName}`);
      ticketIds[student.username] = url.split('/').pop()!;
    }
    await teacher.page.goto(`${suite.server.url}/staff`);
    pages['my students'] = await tabOrder(teacher.page);

    const page = desk.page;
    await openAsStaff(page, t, '/helpdesk?lang=en', DESK, 'Reset requests');
    pages.queue = await tabOrder(page);

    for (const [name, stops] of Object.entries(pages)) {
      expect({ name, first: stops[0]?.element }).toEqual({ name, first: `a "${t('layout.skip')}"` });
      const weak = stops.filter((stop) => stop.indicatorContrast < 3 || !stop.onScreen);
      expect({ name, weak }).toEqual({ name, weak: [] });
    }
    // My students: each Request reset link is reached.
    const teacherStops = pages['my students'].map((stop) => stop.element);
    expect(teacherStops).toContain(`a "Request reset — ${fullName(NOAH)}"`);

    // The queue: for each request, its checkbox, its note and its Reject button, in that order, then Approve.
    const stops = pages.queue.map((stop) => stop.element);
    const at = (pattern: RegExp) => stops.findIndex((element) => pattern.test(element));
    let previous = -1;
    for (const student of [YUSUF, MARY_ANN]) {
      const id = ticketIds[student.username];
      const box = at(new RegExp(`^input#select-${id} `));
      const note = at(new RegExp(`^input#note-${id} `));
      const reject = stops.indexOf(`button "Reject — ${fullName(student)}"`);
      expect({ student: student.username, order: [box, note, reject].every((i, n, all) => i > previous && (n === 0 || i > all[n - 1])) }).toEqual({
        student: student.username,
        order: true,
      });
      previous = reject;
    }
    expect(at(/^button "Approve the selected requests"$/)).toBeGreaterThan(previous);

    // Their accessible names, as a screen reader announces them.
    for (const student of [YUSUF, MARY_ANN]) {
      expect(await page.getByRole('checkbox', { name: `Select the request for ${fullName(student)}`, exact: true }).count()).toBe(1);
      expect(await page.getByRole('textbox', { name: `Note for rejecting the request for ${fullName(student)}`, exact: true }).count()).toBe(1);
      expect(await page.getByRole('button', { name: `Reject — ${fullName(student)}`, exact: true }).count()).toBe(1);
    }
    expect(await page.getByRole('region', { name: 'Reset requests', exact: true }).count()).toBe(1);

    // Keyboard only: a note and Enter on Reject rejects Yusuf's request…
    await page.locator('body').focus();
    expect(await tabTo(page, page.locator(`#note-${ticketIds[YUSUF.username]}`))).toBe(true);
    await page.keyboard.type('Please call the family first');
    await page.keyboard.press('Tab');
    expect((await focusStop(page))?.element).toBe(`button "Reject — ${fullName(YUSUF)}"`);
    await Promise.all([page.waitForEvent('framenavigated', (frame) => frame === page.mainFrame()), page.keyboard.press('Enter')]);
    await page.waitForLoadState('load');
    expect(await statusText(page)).toBe('The request was rejected.');
    expect(await queueRow(page, YUSUF).count()).toBe(0);

    // …and Space on Mary Ann's checkbox, then Enter on Approve, approves hers.
    const box = page.locator(`#select-${ticketIds[MARY_ANN.username]}`);
    expect(await tabTo(page, box)).toBe(true);
    await page.keyboard.press('Space');
    expect(await box.isChecked()).toBe(true);
    expect(await tabTo(page, page.getByRole('button', { name: 'Approve the selected requests' }))).toBe(true);
    await Promise.all([page.waitForEvent('framenavigated', (frame) => frame === page.mainFrame()), page.keyboard.press('Enter')]);
    await page.waitForLoadState('load');
    expect(await statusText(page)).toMatch(/^1 approved, 0 no longer open\.$/);
    expect(await queueRow(page, MARY_ANN).count()).toBe(0);

    // The teacher sees both outcomes, the help desk's note included.
    await teacher.page.goto(`${suite.server.url}/staff/tickets/${ticketIds[YUSUF.username]}`);
    const rejected = await teacher.page.locator('main').innerText();
    expect(rejected).toContain('Rejected');
    expect(rejected).toContain('Please call the family first');
    await teacher.page.goto(`${suite.server.url}/staff/tickets/${ticketIds[MARY_ANN.username]}`);
    expect(await teacher.page.locator('main').innerText()).toContain('Account reset');
    expect(await bodyText(teacher.page)).not.toContain('Please call the family first');
    expect([...teacher.problems.list, ...desk.problems.list]).toEqual([]);
  } finally {
    await teacher.context.close();
    await desk.context.close();
  }
}, 90_000);
