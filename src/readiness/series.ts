import { dayToDate } from './calendar.js';
import type { Figures } from './figures.js';
import type { DayCount } from './ports.js';

/** How many students had claimed, and had signed in at least once, by the end of a day. */
export interface SeriesPoint {
  day: number;
  date: string;
  claimed: number;
  signedIn: number;
}

export interface Series {
  /** First and last day of the chart (the last is the deadline, or today when it has passed or is not set). */
  startDay: number;
  endDay: number;
  todayDay: number;
  deadlineDay: number | null;
  /** One point a day from the start to today (or to the end, when today is past it). */
  points: SeriesPoint[];
  /** The goal: every active student. */
  goal: number;
}

/** Days of history shown at least, so a new dashboard still shows a line that starts flat. */
const MIN_HISTORY_DAYS = 13;

/**
 * Today's figures walked back day by day: the count at the end of a day is today's count minus what was added
 * after that day. The summary keeps the days from `sinceDay` on, so the chart starts no earlier; claims made
 * earlier, or with no recorded date, are part of every point.
 */
export function buildSeries(current: Figures, days: DayCount[], options: { todayDay: number; deadlineDay: number | null; sinceDay: number }): Series {
  const { todayDay, deadlineDay, sinceDay } = options;
  const active = days.filter((d) => d.claimed > 0 || d.signedIn > 0);
  const firstActivity = active.length ? active[0].day : todayDay;
  const startDay = Math.max(sinceDay, Math.min(todayDay - MIN_HISTORY_DAYS, firstActivity - 1));
  const endDay = Math.max(deadlineDay ?? todayDay, todayDay);
  const lastPointDay = Math.min(todayDay, endDay);

  // Claims and first sign-ins after each day, summed from the most recent day backwards.
  const added = new Map(days.map((d) => [d.day, d]));
  const points: SeriesPoint[] = [];
  let claimedAfter = days.filter((d) => d.day > lastPointDay).reduce((sum, d) => sum + d.claimed, 0);
  let signedInAfter = days.filter((d) => d.day > lastPointDay).reduce((sum, d) => sum + d.signedIn, 0);
  for (let day = lastPointDay; day >= startDay; day -= 1) {
    points.push({ day, date: dayToDate(day), claimed: Math.max(0, current.claimed - claimedAfter), signedIn: Math.max(0, current.signedIn - signedInAfter) });
    const today = added.get(day);
    if (today) {
      claimedAfter += today.claimed;
      signedInAfter += today.signedIn;
    }
  }
  points.reverse();
  return { startDay, endDay, todayDay, deadlineDay, points, goal: current.active };
}
