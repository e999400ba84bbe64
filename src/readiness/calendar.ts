/**
 * Calendar days in the district's time zone. The dashboard counts claims and first sign-ins per local day, and the
 * days left to the deadline from today's local date; both must be right across daylight-saving changes.
 */

export const DAY_MS = 86_400_000;

const partsFormatters = new Map<string, Intl.DateTimeFormat>();

function partsIn(timeZone: string, at: number): Record<string, number> {
  let format = partsFormatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    partsFormatters.set(timeZone, format);
  }
  const out: Record<string, number> = {};
  for (const part of format.formatToParts(new Date(at))) if (part.type !== 'literal') out[part.type] = Number(part.value);
  return out;
}

/** Milliseconds to add to a UTC instant to read the wall clock of `timeZone` at that instant. */
export function offsetAt(timeZone: string, at: number): number {
  const p = partsIn(timeZone, at);
  const wall = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return wall - Math.floor(at / 1000) * 1000;
}

/** The local calendar date (YYYY-MM-DD) of an instant. */
export function localDate(at: number, timeZone: string): string {
  return dayToDate(localDayNumber(at, timeZone));
}

/** Days since 1970-01-01 of the local date of an instant (the number the SQL buckets compute). */
export function localDayNumber(at: number, timeZone: string): number {
  return Math.floor((at + offsetAt(timeZone, at)) / DAY_MS);
}

export function dayToDate(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

export function dateToDay(date: string): number {
  return Math.floor(Date.parse(`${date}T00:00:00Z`) / DAY_MS);
}

export function addDays(date: string, days: number): string {
  return dayToDate(dateToDay(date) + days);
}

/** Whole days from `from` to `to` (both YYYY-MM-DD): 2026-08-03 → 2026-08-10 is 7. */
export function daysBetween(from: string, to: string): number {
  return dateToDay(to) - dateToDay(from);
}

/** The instant a local date starts. */
export function startOfLocalDay(date: string, timeZone: string): number {
  const guess = dateToDay(date) * DAY_MS;
  let instant = guess - offsetAt(timeZone, guess);
  // Around a daylight-saving change the offsets at the guess and at the answer differ: correct once.
  instant = guess - offsetAt(timeZone, instant);
  return instant;
}

/** A UTC offset in force from an instant on. */
export interface OffsetPeriod {
  from: number;
  offset: number;
}

/**
 * The offsets of `timeZone` between two instants, as periods: one period when the zone has no change in between,
 * more across daylight-saving changes (found to the minute). SQL adds the right offset to each timestamp with these.
 */
export function offsetPeriods(timeZone: string, from: number, to: number): OffsetPeriod[] {
  const periods: OffsetPeriod[] = [{ from, offset: offsetAt(timeZone, from) }];
  const step = 6 * 3_600_000;
  for (let at = from + step; at < to + step; at += step) {
    const current = periods[periods.length - 1].offset;
    const end = Math.min(at, to);
    if (offsetAt(timeZone, end) === current) continue;
    // The change lies in (end - step, end]: narrow it down to the minute.
    let low = end - step;
    let high = end;
    while (high - low > 60_000) {
      const middle = low + Math.max(60_000, Math.floor((high - low) / 120_000) * 60_000);
      if (offsetAt(timeZone, middle) === current) low = middle;
      else high = middle;
    }
    periods.push({ from: high, offset: offsetAt(timeZone, high) });
  }
  return periods;
}
