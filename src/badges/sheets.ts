import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Writable } from 'node:stream';
import ejs from 'ejs';
import type { I18n, Locale } from '../i18n/i18n.js';
import type { LetterStore, LetterStudent } from '../letters/ports.js';
import { qrSvg } from '../letters/render.js';
import { printChunks, type PdfPrinter } from '../print/pdf.js';
import { AppError } from '../shared/errors.js';
import type { EventBus } from '../events/bus.js';
import type { BadgeActor, Badges } from './badges.js';

const VIEWS = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'views');
const FILE = join(VIEWS, 'badges', 'sheet.ejs');
let template: ((data: Record<string, unknown>) => string) | null = null;

/** Cards per printed page (two columns of four): also the number of students per Chromium document, times PAGES. */
const CARDS_PER_PAGE = 8;
const PAGES_PER_DOCUMENT = 12;

export interface BadgeSheetRequest {
  /** A school's roster sourcedId or identifier; with `classId` alone, the class's school. */
  school?: string | null;
  classId?: string | null;
  locale: Locale;
}

export interface BadgeSheetSelection {
  schoolId: string;
  classId: string | null;
  /** Students of badge grades only. */
  students: LetterStudent[];
  locale: Locale;
}

export interface BadgeSheetSettings {
  districtName: (locale: Locale) => string;
  paper: 'letter' | 'a4';
}

/** Badge sheets: one card per student (name, QR code, typed code, district), cut lines between, as PDF. */
export class BadgeSheets {
  constructor(
    private readonly students: LetterStore,
    private readonly badges: Badges,
    private readonly i18n: I18n,
    private readonly settings: () => BadgeSheetSettings,
    private readonly events: EventBus,
  ) {}

  async select(request: BadgeSheetRequest): Promise<BadgeSheetSelection> {
    let schoolId: string;
    if (request.classId) {
      const found = await this.students.class(request.classId);
      if (!found) throw new AppError(404, 'UNKNOWN_CLASS', 'letters.errors.unknownClass', { classId: request.classId });
      schoolId = found.schoolId;
    } else {
      const school = request.school ? await this.students.school(request.school) : null;
      if (!school) throw new AppError(404, 'UNKNOWN_SCHOOL', 'letters.errors.unknownSchool', { school: request.school ?? '' });
      schoolId = school.id;
    }
    const all = await this.students.students(schoolId, request.classId ?? null);
    const students = all.filter((s) => this.badges.gradeHasBadges(s.grade));
    if (!students.length) throw new AppError(404, 'NO_BADGE_STUDENTS', 'badges.errors.noStudents');
    return { schoolId, classId: request.classId ?? null, students, locale: request.locale };
  }

  fileName(selection: BadgeSheetSelection): string {
    const part = (text: string) =>
      text
        .replace(/[^A-Za-z0-9]+/g, '-')
        .replace(/^-+|-+$/g, '')
        .slice(0, 40) || 'x';
    return ['badges', part(selection.classId ?? selection.schoolId)].join('-') + '.pdf';
  }

  /** Prints the sheets to `out`, issuing the badges students lack; audited. Returns the number of pages. */
  async print(selection: BadgeSheetSelection, printer: PdfPrinter, out: Writable, actor: BadgeActor): Promise<number> {
    const badges = await this.badges.forPrinting(selection.students, actor);
    const pages = await printChunks(printer, this.documents(selection, badges), out);
    await this.events.emit({
      type: 'badges.printed',
      actorId: actor.id,
      ip: actor.ip ?? null,
      data: { school: selection.schoolId, classId: selection.classId, students: selection.students.length, pages },
    });
    return pages;
  }

  private async *documents(selection: BadgeSheetSelection, badges: Map<string, { code: string; url: string }>): AsyncGenerator<string> {
    const { locale } = selection;
    const settings = this.settings();
    const perDocument = CARDS_PER_PAGE * PAGES_PER_DOCUMENT;
    for (let start = 0; start < selection.students.length; start += perDocument) {
      const cards = [];
      for (const student of selection.students.slice(start, start + perDocument)) {
        const badge = badges.get(student.accountId);
        if (!badge) continue;
        cards.push({ student, code: badge.code, qr: await qrSvg(badge.url, 4) });
      }
      const pages = [];
      for (let i = 0; i < cards.length; i += CARDS_PER_PAGE) pages.push(cards.slice(i, i + CARDS_PER_PAGE));
      template ??= ejs.compile(readFileSync(FILE, 'utf8'), { filename: FILE, views: [VIEWS] });
      yield template({ pages, lang: locale, dir: this.i18n.info(locale).dir, t: this.i18n.translator(locale), districtName: settings.districtName(locale), paper: settings.paper });
    }
  }
}
