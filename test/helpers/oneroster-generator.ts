import { createWriteStream, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yazl from 'yazl';

/**
 * Homeroom's own OneRoster generator, for tests and the import benchmark. It reproduces the quirks of real exports
 * (see ../shared/oneroster-samples/README.md) without copying any of them: BOM, CRLF, all-quoted fields, quoted
 * commas, quotes and line breaks, 1.0 column names, misspelt headers, extension columns, a missing final newline,
 * and names in many scripts. Deterministic for a given seed.
 */

export type Version = '1.1' | '1.2';
export type Mode = 'bulk' | 'delta' | 'absent';
export type Row = Record<string, string>;

export interface RosterModel {
  version: Version;
  orgs: Row[];
  academicSessions: Row[];
  courses: Row[];
  classes: Row[];
  /** users.csv rows; in 1.1 they carry role and orgSourcedIds, in 1.2 those come from roles.csv (written from them). */
  users: Row[];
  /** Enrollment rows, or a function that yields them (the benchmark's millions are never held in memory). */
  enrollments: Row[] | (() => Iterable<Row>);
  /** Processing mode per file for manifest.csv (default bulk for every file written). */
  modes?: Partial<Record<string, Mode>>;
  /** Files to leave out entirely. */
  omit?: string[];
  /** Extra manifest lines, as written (e.g. a typo'd key). */
  manifestExtra?: [string, string][];
}

export interface Format {
  bom?: boolean;
  crlf?: boolean;
  /** Quote every field, header included, as some SIS exports do. */
  quoteAll?: boolean;
  /** Leave out the newline after the last record. */
  noFinalNewline?: boolean;
  /** Use OneRoster 1.0 and misspelt header names (userId, agents, grade, dataLastModified, prefferedGivenName). */
  oddHeaders?: boolean;
  /** Add vendor extension columns (ignored by the importer). */
  extraColumns?: boolean;
}

const COLUMNS: Record<string, string[]> = {
  orgs: ['sourcedId', 'status', 'dateLastModified', 'name', 'type', 'identifier', 'parentSourcedId'],
  academicSessions: ['sourcedId', 'status', 'dateLastModified', 'title', 'type', 'startDate', 'endDate', 'parentSourcedId', 'schoolYear'],
  courses: ['sourcedId', 'status', 'dateLastModified', 'schoolYearSourcedId', 'title', 'courseCode', 'grades', 'orgSourcedId', 'subjects', 'subjectCodes'],
  classes: [
    'sourcedId',
    'status',
    'dateLastModified',
    'title',
    'grades',
    'courseSourcedId',
    'classCode',
    'classType',
    'location',
    'schoolSourcedId',
    'termSourcedIds',
    'subjects',
    'subjectCodes',
    'periods',
  ],
  'users-1.1': [
    'sourcedId',
    'status',
    'dateLastModified',
    'enabledUser',
    'orgSourcedIds',
    'role',
    'username',
    'userIds',
    'givenName',
    'familyName',
    'middleName',
    'identifier',
    'email',
    'sms',
    'phone',
    'agentSourcedIds',
    'grades',
    'password',
  ],
  'users-1.2': [
    'sourcedId',
    'status',
    'dateLastModified',
    'enabledUser',
    'username',
    'userIds',
    'givenName',
    'familyName',
    'middleName',
    'identifier',
    'email',
    'sms',
    'phone',
    'agentSourcedIds',
    'grades',
    'password',
    'userMasterIdentifier',
    'preferredGivenName',
    'preferredMiddleName',
    'preferredFamilyName',
    'primaryOrgSourcedId',
    'pronouns',
  ],
  roles: ['sourcedId', 'status', 'dateLastModified', 'userSourcedId', 'roleType', 'role', 'beginDate', 'endDate', 'orgSourcedId', 'userProfileSourcedId'],
  enrollments: ['sourcedId', 'status', 'dateLastModified', 'classSourcedId', 'schoolSourcedId', 'userSourcedId', 'role', 'primary', 'beginDate', 'endDate'],
};

const ODD_HEADERS: Record<string, string> = {
  userIds: 'userId',
  agentSourcedIds: 'agents',
  grades: 'grade',
  dateLastModified: 'dataLastModified',
  preferredGivenName: 'prefferedGivenName',
  preferredFamilyName: 'prefferedFamilyName',
};

function quote(value: string, all: boolean): string {
  if (all || /[",\r\n]/.test(value)) return `"${value.replace(/"/g, '""')}"`;
  return value;
}

/** Writes one CSV file through a stream, in 1 MB pieces. */
async function writeCsv(path: string, columns: string[], rows: Iterable<Row>, format: Format): Promise<number> {
  const out = createWriteStream(path);
  const eol = format.crlf ? '\r\n' : '\n';
  let header = columns.map((c) => (format.oddHeaders ? (ODD_HEADERS[c] ?? c) : c));
  if (format.extraColumns) header = [...header.slice(0, 3), 'metadata.vendorCode', ...header.slice(3), 'ext_vendor_id', ''];
  const line = (values: string[]) => values.map((v) => quote(v, Boolean(format.quoteAll))).join(',');
  let buffer = (format.bom ? '\uFEFF' : '') + line(header);
  let count = 0;
  const wait = () => new Promise<void>((resolve) => out.once('drain', () => resolve()));
  for (const row of rows) {
    let values = columns.map((c) => row[c] ?? '');
    if (format.extraColumns) values = [...values.slice(0, 3), `V${count}`, ...values.slice(3), 'x', ''];
    buffer += eol + line(values);
    count += 1;
    if (buffer.length > 1 << 20) {
      if (!out.write(buffer)) await wait();
      buffer = '';
    }
  }
  if (!format.noFinalNewline) buffer += eol;
  out.end(buffer);
  await new Promise<void>((resolve, reject) => {
    out.once('finish', () => resolve());
    out.once('error', reject);
  });
  return count;
}

/** 1.2 roles.csv rows derived from users that carry `role` and `orgSourcedIds` (1.1 style). */
function* rolesOf(users: Row[]): Iterable<Row> {
  for (const user of users) {
    const orgs = (user.orgSourcedIds ?? '').split(',').filter(Boolean);
    const roles = (user.role ?? '').split(',').filter(Boolean);
    for (let r = 0; r < roles.length; r += 1) {
      const role = roles[r];
      for (const org of orgs.length ? orgs : ['']) {
        yield {
          sourcedId: `role-${user.sourcedId}-${r}-${org}`,
          status: user.status === 'tobedeleted' ? 'tobedeleted' : 'active',
          dateLastModified: '2025-08-01T00:00:00.000Z',
          userSourcedId: user.sourcedId,
          roleType: r === 0 ? 'primary' : 'secondary',
          role,
          orgSourcedId: org,
        };
      }
    }
  }
}

/** Writes the set into a new folder (or, with `zip`, a .zip beside it) and returns the path to import. */
export async function writeRoster(model: RosterModel, format: Format = {}, options: { dir?: string; zip?: boolean } = {}): Promise<string> {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'oneroster-'));
  mkdirSync(dir, { recursive: true });
  const omit = new Set(model.omit ?? []);
  const files: [string, string[], Iterable<Row>][] = [
    ['orgs', COLUMNS.orgs, model.orgs],
    ['academicSessions', COLUMNS.academicSessions, model.academicSessions],
    ['courses', COLUMNS.courses, model.courses],
    ['classes', COLUMNS.classes, model.classes],
    ['users', COLUMNS[`users-${model.version}`], model.users],
    ...(model.version === '1.2' ? ([['roles', COLUMNS.roles, rolesOf(model.users)]] as [string, string[], Iterable<Row>][]) : []),
    ['enrollments', COLUMNS.enrollments, typeof model.enrollments === 'function' ? model.enrollments() : model.enrollments],
  ];
  const written: string[] = [];
  for (const [name, columns, rows] of files) {
    if (omit.has(name)) continue;
    await writeCsv(join(dir, `${name}.csv`), columns, rows, format);
    written.push(name);
  }
  if (!omit.has('manifest')) {
    const eol = format.crlf ? '\r\n' : '\n';
    const lines = [
      ['propertyName', 'value'],
      ['manifest.version', '1.0'],
      ['oneroster.version', model.version],
    ];
    for (const name of [
      'academicSessions',
      'categories',
      'classes',
      'classResources',
      'courses',
      'demographics',
      'enrollments',
      'orgs',
      'resources',
      'results',
      'roles',
      'users',
    ]) {
      if (name === 'roles' && model.version === '1.1') continue;
      lines.push([`file.${name}`, model.modes?.[name] ?? (written.includes(name) ? 'bulk' : 'absent')]);
    }
    for (const extra of model.manifestExtra ?? []) lines.push(extra);
    lines.push(['source.systemName', 'Homeroom test generator']);
    writeFileSync(join(dir, 'manifest.csv'), (format.bom ? '\uFEFF' : '') + lines.map((l) => l.map((v) => quote(v, Boolean(format.quoteAll))).join(',')).join(eol) + eol);
  }
  if (!options.zip) return dir;
  const zipPath = `${dir}.zip`;
  const zip = new yazl.ZipFile();
  for (const name of [...written, ...(omit.has('manifest') ? [] : ['manifest'])]) zip.addFile(join(dir, `${name}.csv`), `export/${name}.csv`);
  zip.end();
  await new Promise<void>((resolve, reject) => {
    const out = createWriteStream(zipPath);
    zip.outputStream
      .pipe(out)
      .once('close', () => resolve())
      .once('error', reject);
  });
  return zipPath;
}

// ---- a realistic district --------------------------------------------------------------------------------------

/** Names as families write them: accents, apostrophes, hyphens, spaces and non-Latin scripts. */
export const GIVEN_NAMES = [
  'Ana',
  'Noah',
  'Léa',
  'Malik',
  'José',
  'Zoë',
  'Chloé',
  'François',
  'Siobhán',
  'Mary Ann',
  'Jean-Luc',
  "D'Andre",
  'Øyvind',
  'Željko',
  'Ngozi',
  'Aarav',
  'Mei',
  'Yusuf',
  'Olivia',
  'Liam',
  'Emma',
  'Mateo',
  'Sofía',
  'Ethan',
  'Amélie',
  'Nguyễn Thị',
  '伟',
  '芳',
  'さくら',
  '지민',
  'Анна',
  'Νίκος',
  'محمد',
  'अर्जुन',
  'Tōru',
  'Björn',
  'Renée',
  'Ève',
  'Kwame',
  'Ayşe',
];
export const FAMILY_NAMES = [
  'García',
  "O'Connor-Diallo",
  'Tremblay',
  'Côté',
  'Nguyễn',
  'Smith-Jones',
  'van der Berg',
  'Müller',
  'Dąbrowski',
  "D'Souza",
  'de la Cruz',
  'Ó Briain',
  'Łukasiewicz',
  'Öztürk',
  'Johnson',
  'Williams',
  'Brown',
  'Martínez',
  'Lefèvre',
  'Bouchard',
  '王',
  '李',
  '佐藤',
  '김',
  'Иванова',
  'Παπαδόπουλος',
  'الحسن',
  'शर्मा',
  'Okafor',
  'Mensah',
  'St. John',
  'MacLeòid',
  'Åberg',
  'Ferreira',
  'Kowalski',
  'Rossi',
];

export function rng(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4294967296;
  };
}

export interface DistrictOptions {
  version?: Version;
  students: number;
  staff?: number;
  schools?: number;
  enrollmentsPerStudent?: number;
  /** Students per class (default 25). */
  classSize?: number;
  seed?: number;
}

/** Student number of the i-th generated student (6 digits and up, like the letter's S0123456). */
export const studentNumber = (i: number) => String(200000 + i);
export const studentId = (i: number) => `stu-${studentNumber(i)}`;
export const staffId = (i: number) => `stf-${String(i).padStart(6, '0')}`;

/**
 * A district: one district org, `schools` schools, students spread over them with grades, staff (mostly
 * teachers), classes of about `classSize`, and `enrollmentsPerStudent` enrollments per student plus one teacher
 * per class. Enrollments are produced on demand.
 */
export function generateDistrict(options: DistrictOptions): RosterModel {
  const version = options.version ?? '1.2';
  const random = rng(options.seed ?? 42);
  const schools = options.schools ?? 60;
  const staffCount = options.staff ?? Math.max(schools * 2, Math.round(options.students * 0.06));
  const perStudent = options.enrollmentsPerStudent ?? 8;
  const classSize = options.classSize ?? 25;
  const date = '2025-08-01T00:00:00.000Z';
  const orgs: Row[] = [{ sourcedId: 'district', status: 'active', dateLastModified: date, name: 'Maple Valley Schools', type: 'district', identifier: 'MVS' }];
  for (let s = 0; s < schools; s += 1) {
    orgs.push({
      sourcedId: `sch-${s}`,
      status: 'active',
      dateLastModified: date,
      name: `${['Lakeside', 'Hillcrest', 'Riverside', 'Côte-des-Neiges', "St. Mary's", 'Oakwood'][s % 6]} School ${s}`,
      type: 'school',
      identifier: `S${s}`,
      parentSourcedId: 'district',
    });
  }
  const academicSessions: Row[] = [
    { sourcedId: 'sy-2026', status: 'active', dateLastModified: date, title: '2025–2026', type: 'schoolYear', startDate: '2025-08-25', endDate: '2026-06-19', schoolYear: '2026' },
    {
      sourcedId: 'term-1',
      status: 'active',
      dateLastModified: date,
      title: 'Fall',
      type: 'term',
      startDate: '2025-08-25',
      endDate: '2026-01-23',
      parentSourcedId: 'sy-2026',
      schoolYear: '2026',
    },
    {
      sourcedId: 'term-2',
      status: 'active',
      dateLastModified: date,
      title: 'Spring',
      type: 'term',
      startDate: '2026-01-26',
      endDate: '2026-06-19',
      parentSourcedId: 'sy-2026',
      schoolYear: '2026',
    },
  ];
  const subjects = ['Mathematics', 'English, Language Arts', 'Science', 'Social Studies', 'Art', 'Music', 'Physical Education', 'French'];
  const courses: Row[] = subjects.map((subject, c) => ({
    sourcedId: `crs-${c}`,
    status: 'active',
    dateLastModified: date,
    schoolYearSourcedId: 'sy-2026',
    title: subject,
    courseCode: `C${c}`,
    orgSourcedId: 'district',
    subjects: subject,
  }));

  const users: Row[] = [];
  const name = () => [GIVEN_NAMES[Math.floor(random() * GIVEN_NAMES.length)], FAMILY_NAMES[Math.floor(random() * FAMILY_NAMES.length)]];
  const studentsPerSchool = Math.ceil(options.students / schools);
  for (let i = 0; i < options.students; i += 1) {
    const [givenName, familyName] = name();
    const school = `sch-${Math.min(schools - 1, Math.floor(i / studentsPerSchool))}`;
    users.push({
      sourcedId: studentId(i),
      status: 'active',
      dateLastModified: date,
      enabledUser: 'true',
      orgSourcedIds: school,
      primaryOrgSourcedId: school,
      role: 'student',
      username: `st${i}`,
      userIds: `{SIS:${studentNumber(i)}},{LDAP:st${i}}`,
      givenName,
      familyName,
      identifier: studentNumber(i),
      grades: String(1 + (i % 12)).padStart(2, '0'),
    });
  }
  for (let i = 0; i < staffCount; i += 1) {
    const [givenName, familyName] = name();
    const school = `sch-${i % schools}`;
    const role = i % 10 === 9 ? 'administrator' : i % 10 === 8 ? 'aide' : 'teacher';
    users.push({
      sourcedId: staffId(i),
      status: 'active',
      dateLastModified: date,
      enabledUser: 'true',
      orgSourcedIds: school,
      primaryOrgSourcedId: school,
      role,
      username: `staff${i}`,
      givenName,
      familyName,
      identifier: `E${i}`,
      email: `staff${i}@maple.example`,
    });
  }
  // Classes per school: enough seats for every student's enrollments.
  const classesPerSchool = Math.max(1, Math.ceil((studentsPerSchool * perStudent) / classSize));
  const classes: Row[] = [];
  for (let s = 0; s < schools; s += 1) {
    for (let k = 0; k < classesPerSchool; k += 1) {
      const c = k % courses.length;
      classes.push({
        sourcedId: `cls-${s}-${k}`,
        status: 'active',
        dateLastModified: date,
        title: `${subjects[c]} ${Math.floor(k / courses.length) + 1}`,
        grades: String(1 + (k % 12)).padStart(2, '0'),
        courseSourcedId: `crs-${c}`,
        classCode: `${s}-${k}`,
        classType: 'scheduled',
        location: `Room ${100 + (k % 40)}`,
        schoolSourcedId: `sch-${s}`,
        termSourcedIds: k % 2 ? 'term-1,term-2' : 'term-1',
        subjects: subjects[c],
        periods: String(1 + (k % 8)),
      });
    }
  }
  const teachersOf = (s: number) => {
    const list: number[] = [];
    for (let i = s; i < staffCount; i += schools) if (i % 10 < 8) list.push(i);
    return list;
  };
  const students = options.students;
  const enrollments = function* (): Iterable<Row> {
    for (let s = 0; s < schools; s += 1) {
      const teachers = teachersOf(s);
      for (let k = 0; k < classesPerSchool && teachers.length; k += 1) {
        yield {
          sourcedId: `enr-t-${s}-${k}`,
          status: 'active',
          dateLastModified: date,
          classSourcedId: `cls-${s}-${k}`,
          schoolSourcedId: `sch-${s}`,
          userSourcedId: staffId(teachers[k % teachers.length]),
          role: 'teacher',
          primary: 'true',
          beginDate: '2025-08-25',
          endDate: '2026-06-19',
        };
      }
    }
    for (let i = 0; i < students; i += 1) {
      const s = Math.min(schools - 1, Math.floor(i / studentsPerSchool));
      const first = (i % studentsPerSchool) * perStudent;
      for (let e = 0; e < perStudent; e += 1) {
        const k = (first + e) % classesPerSchool;
        yield {
          sourcedId: `enr-${i}-${e}`,
          status: 'active',
          dateLastModified: date,
          classSourcedId: `cls-${s}-${k}`,
          schoolSourcedId: `sch-${s}`,
          userSourcedId: studentId(i),
          role: 'student',
          primary: 'false',
          beginDate: '2025-08-25',
          endDate: '2026-06-19',
        };
      }
    }
  };
  return { version, orgs, academicSessions, courses, classes, users, enrollments };
}

/** A copy of a model whose enrollments are materialized (small sets that tests edit). */
export function materialize(model: RosterModel): RosterModel & { enrollments: Row[] } {
  const enrollments = typeof model.enrollments === 'function' ? [...model.enrollments()] : model.enrollments.map((e) => ({ ...e }));
  return {
    ...model,
    orgs: model.orgs.map((r) => ({ ...r })),
    academicSessions: model.academicSessions.map((r) => ({ ...r })),
    courses: model.courses.map((r) => ({ ...r })),
    classes: model.classes.map((r) => ({ ...r })),
    users: model.users.map((r) => ({ ...r })),
    enrollments,
  };
}

/** Total data rows a model writes (for rows/s). */
export function rowCount(model: RosterModel): number {
  let enrollments = 0;
  if (typeof model.enrollments === 'function') for (const _ of model.enrollments()) enrollments += 1;
  else enrollments = model.enrollments.length;
  const roles = model.version === '1.2' ? [...rolesOf(model.users)].length : 0;
  return model.orgs.length + model.academicSessions.length + model.courses.length + model.classes.length + model.users.length + roles + enrollments;
}
