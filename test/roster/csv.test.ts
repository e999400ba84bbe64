import { Readable } from 'node:stream';
import { parse } from 'csv-parse/sync';
import { CsvParser, readCsv } from '../../src/roster/csv.js';
import { rng } from '../helpers/oneroster-generator.js';

/** All records of a text fed to the parser in pieces of the given sizes (chunk boundaries land anywhere). */
function parseInPieces(text: string, sizes: number[]): { rows: string[][]; lines: number[] } {
  const parser = new CsvParser();
  let at = 0;
  let i = 0;
  while (at < text.length) {
    const size = sizes[i++ % sizes.length];
    parser.push(text.slice(at, at + size));
    at += size;
  }
  parser.end();
  return parser.take();
}

const oracle = (text: string) => parse(text, { bom: true, relax_column_count: true, skip_empty_lines: true }) as string[][];

describe('CSV reader', () => {
  test('quirks: BOM, CRLF, quoted commas, doubled quotes, line breaks in fields, empty fields, no final newline', () => {
    const text = '\uFEFFsourcedId,givenName,familyName\r\nu1,"Anne, Marie","O""Neil"\r\nu2,"Two\r\nLines",\r\nu3,"",""\r\n\r\nu4,Zoë,王';
    const { rows, lines } = parseInPieces(text, [1000]);
    expect(rows).toEqual([
      ['sourcedId', 'givenName', 'familyName'],
      ['u1', 'Anne, Marie', 'O"Neil'],
      ['u2', 'Two\r\nLines', ''],
      ['u3', '', ''],
      ['u4', 'Zoë', '王'],
    ]);
    // Physical lines: the header is line 1, and a field's line break moves the next record down.
    expect(lines).toEqual([1, 2, 3, 5, 7]);
    expect(rows).toEqual(oracle(text));
  });

  test('agrees with csv-parse on random quirky files, whatever the chunk boundaries', () => {
    const random = rng(1234);
    const pick = <T>(items: T[]) => items[Math.floor(random() * items.length)];
    const pieces = ['a', 'Zoë', '王', "O'Connor", 'x y', ',', '"', '\n', '\r\n', '', 'Jean-Luc', '""', 'ab,cd'];
    for (let round = 0; round < 200; round += 1) {
      const eol = random() < 0.5 ? '\r\n' : '\n';
      const quoteAll = random() < 0.3;
      const records: string[][] = [];
      for (let r = 0; r < 1 + Math.floor(random() * 8); r += 1) {
        records.push(Array.from({ length: 4 }, () => Array.from({ length: Math.floor(random() * 3) }, () => pick(pieces)).join('')));
      }
      const encode = (v: string) => (quoteAll || /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
      // A record of empty fields only would be a blank line: both readers skip those.
      const kept = records.filter((r) => r.some((v) => v !== '') || quoteAll);
      let text = (random() < 0.3 ? '\uFEFF' : '') + kept.map((r) => r.map(encode).join(',')).join(eol);
      if (random() < 0.5) text += eol;
      const sizes = [1 + Math.floor(random() * 7), 1 + Math.floor(random() * 50)];
      expect(parseInPieces(text, sizes).rows).toEqual(oracle(text));
    }
  });

  test('an unterminated quote at the end of the file is reported with its line', async () => {
    const stream = Readable.from([Buffer.from('a,b\n1,"open\n2,3\n')]);
    await expect(async () => {
      for await (const _ of readCsv(stream)) void _;
    }).rejects.toThrow('unterminated quoted field starting on line 2');
  });

  test('reads a stream whose multi-byte characters are split across chunks', async () => {
    const bytes = Buffer.from('id,name\n1,Dąbrowski\n2,佐藤\n', 'utf8');
    const chunks = [...bytes].map((b) => Buffer.from([b]));
    const rows: string[][] = [];
    for await (const batch of readCsv(Readable.from(chunks))) rows.push(...batch.rows);
    expect(rows).toEqual([['id', 'name'], ['1', 'Dąbrowski'], ['2', '佐藤']]);
  });
});

describe('enrollment fast path', () => {
  test('accepts only what the zod schema accepts, with the same record', async () => {
    const { enrollmentRow, fastEnrollment } = await import('../../src/roster/rows.js');
    const random = rng(99);
    const options: Record<string, string[]> = {
      sourcedId: ['e1', ' e2 ', '', '\u000be3', 'x'.repeat(256)],
      status: ['', 'active', 'TOBEDELETED', 'inactive', ' Active '],
      classSourcedId: ['c1', '', ' c2'],
      schoolSourcedId: ['', 's1', ' s2 '],
      userSourcedId: ['u1', '', 'u\u0001'],
      role: ['student', 'Teacher', 'learner', ' aide ', 'districtAdministrator'],
      primary: ['', 'true', 'FALSE', '1', 'maybe'],
      beginDate: ['', '2025-08-25', '2025-08-25T00:00:00Z', '25/08/2025'],
      endDate: ['', '2026-06-19', 'soon'],
    };
    for (let round = 0; round < 3000; round += 1) {
      const row = Object.fromEntries(Object.entries(options).map(([k, v]) => [k, v[Math.floor(random() * v.length)]])) as Record<string, string>;
      const fast = fastEnrollment(row.sourcedId, row.status, row.classSourcedId, row.schoolSourcedId, row.userSourcedId, row.role, row.primary, row.beginDate, row.endDate);
      const slow = enrollmentRow.safeParse(row);
      if (fast) expect(slow).toEqual({ success: true, data: fast });
    }
  });
});
