import { offsetAt } from '../readiness/calendar.js';
import { csvCell } from '../shared/csv-cell.js';
import type { FieldError } from '../shared/field-error.js';
import { QueryValues } from '../shared/query-values.js';
import type { AuditQuery, AuditRow } from './ports.js';

/** The instant a calendar day (YYYY-MM-DD), or the day `plusDays` after it, starts in `timeZone`. */
export function startOfDay(date: string, timeZone: string, plusDays = 0): number {
  const [y, m, d] = date.split('-').map(Number);
  // setUTCFullYear, not Date.UTC: that one reads the years 0 to 99 as 1900 to 1999.
  const guess = new Date(0).setUTCFullYear(y, m - 1, d + plusDays);
  // Offsets in whole minutes, as the audit log's day boundaries have always been computed.
  const offset = (at: number) => Math.round(offsetAt(timeZone, at) / 60_000) * 60_000;
  let instant = guess - offset(guess);
  // Around a daylight-saving change the offset at the guess and at the answer differ: correct once.
  instant = guess - offset(instant);
  return instant;
}

export interface AuditFilterForm {
  user: string;
  actor: string;
  type: string;
  from: string;
  to: string;
}

/**
 * The search form (query string) as a query: dates are whole days in the district's time zone, both inclusive. A
 * malformed date is shown on the form; a value given twice or too long is a 400 of its own (no form of ours sends one).
 */
export function parseAuditFilter(raw: Record<string, unknown>, timeZone: string): { form: AuditFilterForm; query: AuditQuery; errors: FieldError[] } {
  const values = new QueryValues(raw);
  const form: AuditFilterForm = { user: values.text('user'), actor: values.text('actor'), type: values.text('type'), from: values.date('from'), to: values.date('to') };
  values.orThrow(['date']);
  const errors: FieldError[] = values.problems.map((p) => ({ field: p.name, message: 'date' }));
  // A malformed date stays in the form as typed, so the person sees what to correct.
  for (const e of errors) form[e.field as 'from' | 'to'] = String(raw[e.field]).trim().slice(0, 200);
  const query: AuditQuery = {};
  if (form.user) query.user = form.user;
  if (form.actor) query.actor = form.actor;
  if (form.type) query.type = form.type;
  if (!errors.length && form.from && form.to && form.to < form.from) errors.push({ field: 'to', message: 'rangeEndBeforeStart' });
  if (!errors.length) {
    if (form.from) query.from = startOfDay(form.from, timeZone);
    if (form.to) query.to = startOfDay(form.to, timeZone, 1);
  }
  return { form, query, errors };
}

/** A date and time in the district's zone as the CSV export writes it, sortable and the same in every language: 2026-08-03 14:05:09. */
export function formatInstant(at: number, timeZone: string): string {
  // The wall clock of the zone, read as if it were UTC: one cached formatter per zone (offsetAt), not one per row.
  return new Date(at + offsetAt(timeZone, at)).toISOString().slice(0, 19).replace('T', ' ');
}

export const AUDIT_CSV_COLUMNS = ['time_utc', 'time_local', 'type', 'actor_username', 'actor_id', 'subject_username', 'subject_id', 'ip', 'details'];

/** The export: UTF-8 with a byte-order mark (so spreadsheet programs read accents right), CRLF line ends. */
export async function* auditCsv(rows: AsyncIterable<AuditRow>, timeZone: string): AsyncGenerator<string> {
  yield `\uFEFF${AUDIT_CSV_COLUMNS.join(',')}\r\n`;
  let chunk = '';
  for await (const row of rows) {
    chunk +=
      [
        new Date(row.at).toISOString(),
        formatInstant(row.at, timeZone),
        row.type,
        row.actorUsername,
        row.actorId,
        row.subjectUsername,
        row.subjectId,
        row.ip,
        Object.keys(row.data).length ? row.data : '',
      ]
        .map(csvCell)
        .join(',') + '\r\n';
    if (chunk.length > 64 * 1024) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}
