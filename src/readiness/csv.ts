import { csvCell } from '../shared/csv-cell.js';
import type { NotReadyStudent, StudentClass } from './ports.js';

/** Columns of the list of students not ready, for phone calls (headers from readiness.csv.* in the page's language). */
export const EXPORT_COLUMNS = ['familyName', 'givenName', 'studentId', 'username', 'school', 'grade', 'homeroom', 'teachers', 'claimed', 'signedIn'] as const;

/** Students looked up together for their classes and teachers. */
const CLASS_LOOKUP = 500;

export interface CsvText {
  header(column: (typeof EXPORT_COLUMNS)[number]): string;
  yes: string;
  no: string;
}

/**
 * The homeroom column names the student's homeroom class(es); the teacher column their teachers, or, for a student
 * with no homeroom in the roster, the teachers of all their classes.
 */
export function homeroomAndTeachers(classes: StudentClass[]): { homeroom: string; teachers: string } {
  const homerooms = classes.filter((c) => c.homeroom);
  const from = homerooms.length ? homerooms : classes;
  const teachers = [...new Set(from.flatMap((c) => c.teachers))];
  return { homeroom: homerooms.map((c) => c.title).join('; '), teachers: teachers.join('; ') };
}

/**
 * The export: UTF-8 with a byte-order mark (so spreadsheet programs read accents right), CRLF line ends, quoting
 * where needed, and cells that a spreadsheet would run as a formula defused (see csvCell). Students come in batches
 * and leave as text chunks: a district-wide list is never held whole.
 */
export async function* notReadyCsv(batches: AsyncIterable<NotReadyStudent[]>, classesOf: (accountIds: string[]) => Promise<StudentClass[]>, text: CsvText): AsyncGenerator<string> {
  yield `\uFEFF${EXPORT_COLUMNS.map((c) => csvCell(text.header(c))).join(',')}\r\n`;
  for await (const batch of batches) {
    for (let i = 0; i < batch.length; i += CLASS_LOOKUP) {
      const students = batch.slice(i, i + CLASS_LOOKUP);
      const classes = await classesOf(students.map((s) => s.accountId));
      const byStudent = new Map<string, StudentClass[]>();
      for (const c of classes) byStudent.set(c.accountId, [...(byStudent.get(c.accountId) ?? []), c]);
      let chunk = '';
      for (const s of students) {
        const { homeroom, teachers } = homeroomAndTeachers(byStudent.get(s.accountId) ?? []);
        chunk +=
          [s.familyName, s.givenName, s.studentId, s.username, s.schoolName, s.grade, homeroom, teachers, s.claimed ? text.yes : text.no, s.signedIn ? text.yes : text.no]
            .map(csvCell)
            .join(',') + '\r\n';
      }
      yield chunk;
    }
  }
}

/** A file name part from a name: ASCII letters and digits, words joined by hyphens ("École Côté" → "ecole-cote"). */
export function slug(name: string): string {
  const ascii = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
    .replace(/-+$/, '');
  return ascii || 'list';
}
