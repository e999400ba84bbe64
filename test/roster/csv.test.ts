import { Readable } from 'node:stream';
import { parse } from 'csv-parse/sync';
import { CsvParser, fieldsOf, readCsv, type CsvBatch } from '../../src/roster/csv.js';
import { fieldsHash, lineHash } from '../../src/roster/hash.js';
import { rng } from '../helpers/oneroster-generator.js';

/** All records of a text fed to the parser in pieces of the given sizes (chunk boundaries land anywhere). */
function parseInPieces(text: string, sizes: number[], options: { texts?: boolean } = {}): CsvBatch {
  const parser = new CsvParser(options);
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
      // Records given as text (quote-free ones) split into the same fields, on the same lines.
      const withTexts = parseInPieces(text, sizes, { texts: true });
      expect(withTexts.rows.map((_, i) => fieldsOf(withTexts, i))).toEqual(oracle(text));
      expect(withTexts.lines).toEqual(parseInPieces(text, sizes).lines);
    }
  });

  test('a line hashes as its split fields do, over the chosen columns only, and gives the wanted fields', () => {
    const random = rng(42);
    const pieces = ['a', 'Zoë', '王', '', ' x ', 'enr-1', '2025-08-25', 'true'];
    let differing = 0;
    for (let round = 0; round < 2000; round += 1) {
      const width = 1 + Math.floor(random() * 10);
      const fields = Array.from({ length: 1 + Math.floor(random() * 12) }, () => pieces[Math.floor(random() * pieces.length)]);
      const known = Uint8Array.from({ length: width }, () => (random() < 0.7 ? 1 : 0));
      const wanted = new Int8Array(width).fill(-1);
      wanted[0] = 0;
      if (width > 3) wanted[3] = 1;
      const out = ['', ''];
      const text = fields.join(',');
      expect(lineHash(text, known, 7, wanted, out)).toBe(fieldsHash(fields, known, 7));
      expect(out).toEqual([fields[0], width > 3 && fields.length > 3 ? fields[3] : '']);
      // A change in a chosen column changes the hash; one in another column does not.
      const changed = [...fields];
      changed[0] += 'z';
      if (known[0]) expect(fieldsHash(changed, known, 7)).not.toBe(fieldsHash(fields, known, 7));
      else expect(fieldsHash(changed, known, 7)).toBe(fieldsHash(fields, known, 7));
      if (fieldsHash(fields, known, 8) !== fieldsHash(fields, known, 7)) differing += 1;
    }
    // The seed (the header) matters.
    expect(differing).toBeGreaterThan(1990);
  });

  test('an unterminated quote at the end of the file is reported with its line', async () => {
    const stream = Readable.from([Buffer.from('a,b\n1,"open\n2,3\n')]);
    await expect(async () => {
      for await (const _ of readCsv(stream)) void _;
    }).rejects.toThrow('unterminated quoted field starting on line 2');
  });

  test('decodes UTF-8 whatever the chunk boundaries: ASCII chunks, 2-, 3- and 4-byte characters split anywhere, a BOM, invalid bytes', async () => {
    const text = '\uFEFFid,name\n1,Dąbrowski\n2,佐藤\n3,😀 Zoë\n4,plain ascii line\n';
    const bytes = Buffer.concat([Buffer.from(text, 'utf8'), Buffer.from([0x35, 0x2c, 0xff, 0x0a])]);
    const expected = await (async () => {
      const rows: string[][] = [];
      for await (const batch of readCsv(Readable.from([bytes]))) rows.push(...batch.rows);
      return rows;
    })();
    expect(expected).toEqual([
      ['id', 'name'],
      ['1', 'Dąbrowski'],
      ['2', '佐藤'],
      ['3', '😀 Zoë'],
      ['4', 'plain ascii line'],
      ['5', '\uFFFD'],
    ]);
    const random = rng(5);
    for (let round = 0; round < 200; round += 1) {
      const chunks: Buffer[] = [];
      for (let at = 0; at < bytes.length;) {
        const size = 1 + Math.floor(random() * 9);
        chunks.push(bytes.subarray(at, at + size));
        at += size;
      }
      const rows: string[][] = [];
      for await (const batch of readCsv(Readable.from(chunks))) rows.push(...batch.rows);
      expect(rows).toEqual(expected);
    }
  });

  test('reads a stream whose multi-byte characters are split across chunks', async () => {
    const bytes = Buffer.from('id,name\n1,Dąbrowski\n2,佐藤\n', 'utf8');
    const chunks = [...bytes].map((b) => Buffer.from([b]));
    const rows: string[][] = [];
    for await (const batch of readCsv(Readable.from(chunks))) rows.push(...batch.rows);
    expect(rows).toEqual([
      ['id', 'name'],
      ['1', 'Dąbrowski'],
      ['2', '佐藤'],
    ]);
  });

  test('reads a megabyte chunk in pieces: lines and characters across the pieces, a field longer than a piece', async () => {
    // Several 32 KB pieces of one chunk: multi-byte names on every line, a quoted field of 40,000 characters with line
    // breaks, and a last line without a line feed.
    const random = rng(8);
    const names = ['Dąbrowski', '佐藤', '😀 Zoë', 'Nguyễn', 'plain'];
    let text = 'id,name,note\n';
    for (let i = 0; text.length < 300_000; i += 1) {
      // Padding in 2-byte characters: a cut anywhere but after a line feed would likely split one.
      text += i === 500 ? `${i},long,"${'é\n'.repeat(20_000)}"\n` : `${i},${names[Math.floor(random() * names.length)]},${'é'.repeat(Math.floor(random() * 90))}\n`;
    }
    text += 'last,佐藤,end';
    const rows: string[][] = [];
    for await (const batch of readCsv(Readable.from([Buffer.from(text, 'utf8')]))) rows.push(...batch.rows);
    expect(rows).toEqual(oracle(text));
    expect(rows[501][2]).toHaveLength(40_000);
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
    let accepted = 0;
    for (let round = 0; round < 3000; round += 1) {
      const row = Object.fromEntries(Object.entries(options).map(([k, v]) => [k, v[Math.floor(random() * v.length)]])) as Record<string, string>;
      const fast = fastEnrollment(row.sourcedId, row.status, row.classSourcedId, row.schoolSourcedId, row.userSourcedId, row.role, row.primary, row.beginDate, row.endDate);
      const slow = enrollmentRow.safeParse(row);
      if (fast) {
        accepted += 1;
        expect(slow).toEqual({ success: true, data: fast });
      }
    }
    // The fast path must actually take the rows it can (a fast path that always declines would pass the check above).
    expect(accepted).toBeGreaterThan(20);
  });
});

describe('user, class and role fast paths', () => {
  /** Every combination is checked against zod; plain valid rows must take the fast path (or it would never be used). */
  const agree = async (
    schemaName: 'userRow' | 'classRow' | 'roleRow',
    fastName: 'fastUser' | 'fastClass' | 'fastRole',
    options: Record<string, string[]>,
    plain: Record<string, string>,
  ) => {
    const rows = (await import('../../src/roster/rows.js')) as unknown as Record<string, unknown>;
    const schema = rows[schemaName] as { safeParse(v: unknown): unknown };
    const fast = rows[fastName] as (fields: Record<string, string>) => unknown;
    expect(fast(plain)).toEqual((schema.safeParse(plain) as { data: unknown }).data);
    const random = rng(7);
    let accepted = 0;
    let rejected = 0;
    for (let round = 0; round < 4000; round += 1) {
      const row = Object.fromEntries(Object.entries(options).map(([k, v]) => [k, v[Math.floor(random() * v.length)]]));
      const result = fast(row);
      const slow = schema.safeParse(row) as { success: boolean };
      if (result) {
        accepted += 1;
        expect(slow).toEqual({ success: true, data: result });
      } else if (!slow.success) rejected += 1;
    }
    expect(accepted).toBeGreaterThan(100);
    expect(rejected).toBeGreaterThan(100);
  };

  test('users', () =>
    agree(
      'userRow',
      'fastUser',
      {
        sourcedId: ['u1', ' u2 ', '', 'x'.repeat(256)],
        status: ['', 'active', 'TOBEDELETED', 'inactive'],
        enabledUser: ['', 'true', 'FALSE', ' yes ', 'maybe'],
        orgSourcedIds: ['', 's1', 's1, s2', ' ,s3,'],
        role: ['student', ' teacher ', ''],
        username: ['', ' jdoe ', 'x'],
        userIds: ['', '{SIS:1}'],
        givenName: ['Ana', ' Zoë ', '', '  '],
        familyName: ['Núñez', "O'Brien", ''],
        middleName: ['', ' M '],
        identifier: ['', '100001', ' 42 '],
        email: ['', 'a@b.c', ' x '],
        grades: ['', '09', '09, 10'],
        primaryOrgSourcedId: ['', 's1', ' s2 '],
      },
      {
        sourcedId: 'u1',
        status: 'active',
        enabledUser: 'true',
        orgSourcedIds: 's1',
        role: 'student',
        username: '',
        userIds: '',
        givenName: 'Ana',
        familyName: 'Núñez',
        middleName: '',
        identifier: '100001',
        email: '',
        grades: '09',
        primaryOrgSourcedId: '',
      },
    ));

  test('classes', () =>
    agree(
      'classRow',
      'fastClass',
      {
        sourcedId: ['c1', ' c2 ', ''],
        status: ['', 'Active', 'gone'],
        title: ['Math 7', ' ', ''],
        grades: ['', '07', '07,08'],
        courseSourcedId: ['', 'k1'],
        classCode: ['', ' M7 '],
        classType: ['', 'Homeroom', ' scheduled '],
        location: ['', 'Room 4'],
        schoolSourcedId: ['s1', '', ' s2 '],
        termSourcedIds: ['', 't1', 't1, t2'],
        subjects: ['', 'Math'],
        periods: ['', '1', '1,2'],
      },
      {
        sourcedId: 'c1',
        status: 'active',
        title: 'Math 7',
        grades: '07',
        courseSourcedId: 'k1',
        classCode: 'M7',
        classType: 'scheduled',
        location: '',
        schoolSourcedId: 's1',
        termSourcedIds: 't1',
        subjects: 'Math',
        periods: '1',
      },
    ));

  test('roles', () =>
    agree(
      'roleRow',
      'fastRole',
      {
        sourcedId: ['', 'r1', ' r2 '],
        status: ['', 'active', 'TOBEDELETED', 'x'],
        userSourcedId: ['u1', '', ' u2 '],
        roleType: ['', 'primary', 'Secondary', 'tertiary'],
        role: ['student', 'Teacher', 'learner', ' aide '],
        orgSourcedId: ['', 's1'],
        beginDate: ['', '2025-08-25', '2025-08-25T00:00:00Z', '25/08/2025'],
        endDate: ['', '2026-06-19', 'soon'],
      },
      { sourcedId: 'r1', status: 'active', userSourcedId: 'u1', roleType: 'primary', role: 'student', orgSourcedId: 's1', beginDate: '2025-08-25', endDate: '' },
    ));
});
