/**
 * The OneRoster files Homeroom reads, their columns, and the other names those columns go by in real exports:
 * OneRoster 1.0 names (userId, agents, grade), and misspellings seen in vendor files (dataLastModified,
 * prefferedGivenName). Columns are always matched by header name, never by position; unknown columns are ignored.
 */

export const ROSTER_FILES = ['orgs', 'academicSessions', 'courses', 'classes', 'roles', 'users', 'enrollments'] as const;
export type RosterFile = (typeof ROSTER_FILES)[number];

interface FileSpec {
  fields: readonly string[];
  /** Columns without which no row of the file can be read. */
  required: readonly string[];
  aliases?: Record<string, string>;
}

const COMMON_ALIASES = { datalastmodified: 'dateLastModified', lastmodified: 'dateLastModified' };

export const FILE_SPECS: Record<RosterFile, FileSpec> = {
  orgs: { fields: ['sourcedId', 'status', 'dateLastModified', 'name', 'type', 'identifier', 'parentSourcedId'], required: ['sourcedId', 'name'] },
  academicSessions: {
    fields: ['sourcedId', 'status', 'dateLastModified', 'title', 'type', 'startDate', 'endDate', 'parentSourcedId', 'schoolYear'],
    required: ['sourcedId', 'title'],
  },
  courses: {
    fields: ['sourcedId', 'status', 'dateLastModified', 'schoolYearSourcedId', 'title', 'courseCode', 'grades', 'orgSourcedId', 'subjects'],
    required: ['sourcedId', 'title'],
    aliases: { schoolyearid: 'schoolYearSourcedId', grade: 'grades' },
  },
  classes: {
    fields: [
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
      'periods',
    ],
    required: ['sourcedId', 'title', 'schoolSourcedId'],
    aliases: { grade: 'grades', termsourcedid: 'termSourcedIds' },
  },
  roles: {
    fields: ['sourcedId', 'status', 'dateLastModified', 'userSourcedId', 'roleType', 'role', 'beginDate', 'endDate', 'orgSourcedId'],
    required: ['userSourcedId', 'role'],
  },
  users: {
    fields: [
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
      'grades',
      'primaryOrgSourcedId',
      'preferredGivenName',
      'preferredFamilyName',
    ],
    required: ['sourcedId', 'givenName', 'familyName'],
    aliases: {
      userid: 'userIds',
      grade: 'grades',
      prefferedgivenname: 'preferredGivenName',
      prefferedfamilyname: 'preferredFamilyName',
      orgsourcedid: 'orgSourcedIds',
    },
  },
  enrollments: {
    fields: ['sourcedId', 'status', 'dateLastModified', 'classSourcedId', 'schoolSourcedId', 'userSourcedId', 'role', 'primary', 'beginDate', 'endDate'],
    required: ['sourcedId', 'classSourcedId', 'userSourcedId', 'role'],
  },
};

/** Where each known field sits in a file's rows (-1: absent), and the header as written, for error messages. */
export interface ColumnMap {
  file: RosterFile;
  index: Record<string, number>;
  header: string[];
  /** Header names that matched nothing Homeroom reads (extension columns, 1.2 extras). */
  ignored: string[];
  /** Required columns the header lacks. */
  missing: string[];
}

export function mapColumns(file: RosterFile, header: string[]): ColumnMap {
  const spec = FILE_SPECS[file];
  const byLower = new Map<string, string>();
  for (const field of spec.fields) byLower.set(field.toLowerCase(), field);
  const aliases: Record<string, string> = { ...COMMON_ALIASES, ...(spec.aliases ?? {}) };
  const index: Record<string, number> = {};
  for (const field of spec.fields) index[field] = -1;
  const ignored: string[] = [];
  header.forEach((raw, position) => {
    const name = raw.replace(/^\uFEFF/, '').trim();
    if (!name) return; // an empty header name (a trailing comma) names no column
    const lower = name.toLowerCase();
    const field = byLower.get(lower) ?? aliases[lower];
    if (field && spec.fields.includes(field) && index[field] === -1) index[field] = position;
    else ignored.push(name);
  });
  const missing = spec.required.filter((field) => index[field] === -1);
  return { file, index, header: header.map((h) => h.trim()), ignored, missing };
}

/** The header name a field was read from, for error messages (the canonical name when the column is absent). */
export function columnName(map: ColumnMap, field: string): string {
  const position = map.index[field];
  return position === undefined || position < 0 ? field : map.header[position] || field;
}

/** A row's known fields by name; missing trailing fields read as empty. */
export function pick(map: ColumnMap, row: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const field in map.index) {
    const position = map.index[field];
    out[field] = position >= 0 && position < row.length ? row[position] : '';
  }
  return out;
}
