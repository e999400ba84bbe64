import type { Writable } from 'node:stream';
import type { Config } from '../config/load.js';
import type { EventBus } from '../events/bus.js';
import { helpLinksFor } from '../help/links.js';
import { dateTimeFormat } from '../i18n/format.js';
import type { I18n, Locale } from '../i18n/i18n.js';
import { printChunks, type PdfPrinter } from '../print/pdf.js';
import { AppError } from '../shared/errors.js';
import type { LetterSchool, LetterStore, LetterStudent } from './ports.js';
import { qrSvg, renderLetters } from './render.js';

/** `auto`: each student's home language (the district default when none is known), else one language for all. */
export type LetterLanguage = 'auto' | Locale;

export interface LetterRequest {
  school: string;
  classId?: string | null;
  lang: LetterLanguage;
}

export interface LetterSelection {
  school: LetterSchool;
  classTitle: string | null;
  students: LetterStudent[];
  lang: LetterLanguage;
}

export interface LetterSettings {
  defaultLocale: Locale;
  timeZone: string;
  deadline: string | null;
  paper: 'letter' | 'a4';
  chunk: number;
}

/** One printed side: a student's letter in one language. */
interface Sheet {
  locale: Locale;
  dir: 'ltr' | 'rtl';
  t: (id: string, params?: Record<string, unknown>) => string;
  districtName: string;
  student: LetterStudent;
  claimOpens: string | null;
  deadline: string | null;
  helpLinks: { title: string; url: string }[];
  /** The front of a letter whose back is in English. */
  englishOnBack: boolean;
  /** A re-claim sheet (the account was reset on this date and is not claimed again yet) rather than a first letter. */
  resetOn: string | null;
}

/** The re-claim sheet a teacher gives the family after the help desk reset a student's account. */
export interface ReclaimRequest {
  student: LetterStudent;
  /** When the account was reset (ms). */
  resetAt: number;
  lang: LetterLanguage;
  /** The ticket the reset answered, kept in the audit event. */
  ticketId: string;
}

/**
 * The letter to each family: the student's username, the portal's address and its QR code, the claim steps (or the
 * sign-in steps once claimed), the deadline and where to get help, in the home language with English on the back.
 */
export class Letters {
  constructor(
    private readonly store: LetterStore,
    private readonly i18n: I18n,
    private readonly config: Config,
    private readonly settings: () => LetterSettings,
    private readonly events: EventBus,
  ) {}

  /** The school (by sourcedId or identifier), the class if asked (it must be the school's) and their students. */
  async select(request: LetterRequest): Promise<LetterSelection> {
    this.checkLanguage(request.lang);
    const school = await this.store.school(request.school);
    if (!school) throw new AppError(404, 'UNKNOWN_SCHOOL', 'letters.errors.unknownSchool', { school: request.school });
    let classTitle: string | null = null;
    if (request.classId) {
      const found = await this.store.class(request.classId);
      if (!found || found.schoolId !== school.id) throw new AppError(404, 'UNKNOWN_CLASS', 'letters.errors.unknownClass', { classId: request.classId });
      classTitle = found.title;
    }
    const students = await this.store.students(school.id, request.classId ?? null);
    return { school, classTitle, students, lang: request.lang };
  }

  /** One class's letters (its roster sourcedId): the school is the class's own. */
  async selectClass(classId: string, lang: LetterLanguage): Promise<LetterSelection> {
    const found = await this.store.class(classId);
    if (!found) throw new AppError(404, 'UNKNOWN_CLASS', 'letters.errors.unknownClass', { classId });
    return this.select({ school: found.schoolId, classId, lang });
  }

  /** A file name that says what is inside: letters-<school>[-<class>]-<lang>.pdf, ASCII only. */
  fileName(selection: LetterSelection): string {
    const part = (text: string) =>
      text
        .normalize('NFKD')
        .replace(/[\u0300-\u036f]/g, '')
        .replace(/[^A-Za-z0-9]+/g, '-')
        .replace(/^-+|-+$/g, '')
        .toLowerCase()
        .slice(0, 40) || 'x';
    return ['letters', part(selection.school.name), selection.classTitle && part(selection.classTitle), selection.lang].filter(Boolean).join('-') + '.pdf';
  }

  /** A student by account id, for the re-claim sheet. */
  student(accountId: string): Promise<LetterStudent | null> {
    return this.store.student(accountId);
  }

  /** reclaim-<username>-<lang>.pdf: the username is ASCII (roster usernames are), the language a code or auto. */
  reclaimFileName(request: ReclaimRequest): string {
    return `reclaim-${request.student.username.replace(/[^A-Za-z0-9._-]+/g, '-')}-${request.lang}.pdf`;
  }

  /**
   * Prints the re-claim sheet to `out`: the student's letter (username, portal and QR code, the claim steps, help) in
   * the home language with English on the back, headed by the reset; audited. Returns the number of pages.
   */
  async printReclaim(request: ReclaimRequest, printer: PdfPrinter, out: Writable, actor: { id: string | null; ip?: string | null }): Promise<number> {
    this.checkLanguage(request.lang);
    const pages = await printChunks(printer, this.reclaimDocuments(request), out);
    await this.events.emit({
      type: 'letters.reclaim_printed',
      actorId: actor.id,
      subjectId: request.student.accountId,
      ip: actor.ip ?? null,
      data: { ticket: request.ticketId, lang: request.lang, pages },
    });
    return pages;
  }

  /** The re-claim sheet's HTML document. */
  async *reclaimDocuments(request: ReclaimRequest): AsyncGenerator<string> {
    const settings = this.settings();
    const { student } = request;
    const sheets = this.localesOf(student, request.lang, settings).map((locale, side, all) => {
      const date = dateTimeFormat(locale, { dateStyle: 'long', timeZone: settings.timeZone }).format(request.resetAt);
      return { ...this.sheet(student, locale, settings, side === 0 && all.length > 1), resetOn: student.claimed ? null : date };
    });
    yield renderLetters({
      sheets,
      portalUrl: this.config.issuer,
      qr: await qrSvg(this.config.issuer),
      helpDesk: this.config.district.helpDesk,
      paper: settings.paper,
      lang: sheets[0].locale,
    });
  }

  /** Refuses a language Homeroom does not serve (400), before anything is printed. */
  checkLanguage(lang: LetterLanguage): void {
    if (lang !== 'auto' && !this.i18n.has(lang)) throw new AppError(400, 'UNKNOWN_LANGUAGE', 'letters.errors.unknownLanguage', { lang });
  }

  /** Prints the selection to `out` as one PDF; audited. Returns the number of pages. */
  async print(selection: LetterSelection, printer: PdfPrinter, out: Writable, actor: { id: string | null; ip?: string | null }): Promise<number> {
    const pages = await printChunks(printer, this.documents(selection), out);
    await this.events.emit({
      type: 'letters.printed',
      actorId: actor.id,
      ip: actor.ip ?? null,
      data: { school: selection.school.id, classTitle: selection.classTitle, lang: selection.lang, students: selection.students.length, pages },
    });
    return pages;
  }

  /** The HTML documents to print, `letters.chunk` students each. */
  async *documents(selection: LetterSelection): AsyncGenerator<string> {
    const settings = this.settings();
    const portalUrl = this.config.issuer;
    const qr = await qrSvg(portalUrl);
    const { chunk } = settings;
    // Printed on both sides, a one-page letter among two-page ones would have the next family's letter on its back.
    const twoSided = selection.students.some((student) => this.localesOf(student, selection.lang, settings).length > 1);
    for (let start = 0; start < selection.students.length; start += chunk) {
      const sheets = selection.students.slice(start, start + chunk).flatMap((student) => {
        const locales = this.localesOf(student, selection.lang, settings);
        const sides: (Sheet | null)[] = locales.map((locale, side) => this.sheet(student, locale, settings, side === 0 && locales.length > 1));
        return twoSided && sides.length === 1 ? [...sides, null] : sides;
      });
      yield renderLetters({ sheets, portalUrl, qr, helpDesk: this.config.district.helpDesk, paper: settings.paper, lang: sheets[0]?.locale ?? settings.defaultLocale });
    }
  }

  /** The language of a student's letter under `auto`: the home language when served, else the district's default. */
  languageOf(student: LetterStudent, settings = this.settings()): { locale: Locale; home: boolean } {
    const home = student.homeLanguage !== null && this.i18n.has(student.homeLanguage);
    return { locale: home ? student.homeLanguage! : settings.defaultLocale, home };
  }

  /** The letter's language, then English for its back when that is another language. */
  private localesOf(student: LetterStudent, lang: LetterLanguage, settings: LetterSettings): Locale[] {
    const asked = lang === 'auto' ? this.languageOf(student, settings).locale : lang;
    return asked === 'en' || !this.i18n.has('en') ? [asked] : [asked, 'en'];
  }

  private sheet(student: LetterStudent, locale: Locale, settings: LetterSettings, englishOnBack: boolean): Sheet {
    const date = (ms: number) => dateTimeFormat(locale, { dateStyle: 'long', timeZone: settings.timeZone }).format(ms);
    const opensLater = !student.claimed && student.claimableAt !== null && student.claimableAt > Date.now();
    const links = helpLinksFor(this.config, locale, this.i18n, { roles: ['student'] });
    return {
      locale,
      dir: this.i18n.info(locale).dir,
      t: this.i18n.translator(locale),
      districtName: this.i18n.pick(this.config.district.name, locale),
      student,
      claimOpens: opensLater ? date(student.claimableAt!) : null,
      deadline: settings.deadline ? dateTimeFormat(locale, { dateStyle: 'long', timeZone: 'UTC' }).format(new Date(`${settings.deadline}T00:00:00Z`)) : null,
      helpLinks: links.map((l) => ({ title: l.title, url: new URL(l.url, this.config.issuer).href })),
      englishOnBack,
      resetOn: null,
    };
  }
}
