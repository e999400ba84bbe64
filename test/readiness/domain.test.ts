import { dateToDay, dayToDate, localDate, localDayNumber, offsetPeriods, startOfLocalDay } from '../../src/readiness/calendar.js';
import { chartModel } from '../../src/readiness/chart.js';
import { homeroomAndTeachers, slug } from '../../src/readiness/csv.js';
import { share, view } from '../../src/readiness/figures.js';
import { buildSeries } from '../../src/readiness/series.js';

/** The readiness domain without a database: shares, local days across daylight-saving changes, the series, the chart. */

test('shares: a tenth of a percent, never 100 % while someone is missing, never 0 % when someone is there', () => {
  expect(share(2, 3)).toBe(0.667);
  expect(share(1, 3)).toBe(0.333);
  expect(share(9_999, 10_000)).toBe(0.999);
  expect(share(19_999, 20_000)).toBe(0.999);
  expect(share(1, 20_000)).toBe(0.001);
  expect(share(0, 5)).toBe(0);
  expect(share(5, 5)).toBe(1);
  expect(share(0, 0)).toBeNull();
  expect(view({ active: 10, claimed: 6, signedIn: 5, ready: 4 })).toMatchObject({ notReady: 6, claimedShare: 0.6, signedInShare: 0.5, readyShare: 0.4 });
});

test('local days in a zone with daylight saving: the offsets in force and the day of an instant', () => {
  const zone = 'America/Toronto';
  // 2026: EDT from 8 March 07:00 UTC, EST again from 1 November 06:00 UTC.
  const periods = offsetPeriods(zone, Date.parse('2026-01-01T00:00:00Z'), Date.parse('2026-12-31T00:00:00Z'));
  expect(periods.map((p) => [new Date(p.from).toISOString(), p.offset / 3_600_000])).toEqual([
    ['2026-01-01T00:00:00.000Z', -5],
    ['2026-03-08T07:00:00.000Z', -4],
    ['2026-11-01T06:00:00.000Z', -5],
  ]);
  expect(offsetPeriods('UTC', 0, 400 * 86_400_000)).toEqual([{ from: 0, offset: 0 }]);
  expect(localDate(Date.parse('2026-03-08T04:59:00Z'), zone)).toBe('2026-03-07');
  expect(localDate(Date.parse('2026-03-08T05:01:00Z'), zone)).toBe('2026-03-08');
  expect(localDate(Date.parse('2026-03-09T03:59:00Z'), zone)).toBe('2026-03-08');
  expect(localDate(Date.parse('2026-11-02T04:59:00Z'), zone)).toBe('2026-11-01');
  expect(localDayNumber(Date.parse('2026-11-02T05:01:00Z'), zone)).toBe(dateToDay('2026-11-02'));
  expect(new Date(startOfLocalDay('2026-03-08', zone)).toISOString()).toBe('2026-03-08T05:00:00.000Z');
  expect(new Date(startOfLocalDay('2026-03-09', zone)).toISOString()).toBe('2026-03-09T04:00:00.000Z');
  expect(new Date(startOfLocalDay('2026-08-10', 'Asia/Kolkata')).toISOString()).toBe('2026-08-09T18:30:00.000Z');
  expect(dayToDate(dateToDay('2026-08-10'))).toBe('2026-08-10');
});

test('the series walks today’s figures back day by day, to the deadline', () => {
  const today = dateToDay('2026-08-03');
  const series = buildSeries(
    { active: 10, claimed: 6, signedIn: 4, ready: 4 },
    [
      { day: today - 2, claimed: 2, signedIn: 1 },
      { day: today, claimed: 1, signedIn: 2 },
    ],
    { todayDay: today, deadlineDay: dateToDay('2026-08-10'), sinceDay: today - 180 },
  );
  expect(series.startDay).toBe(today - 13);
  expect(series.endDay).toBe(dateToDay('2026-08-10'));
  expect(series.goal).toBe(10);
  expect(series.points.slice(-4).map((p) => [p.date, p.claimed, p.signedIn])).toEqual([
    ['2026-07-31', 3, 1],
    ['2026-08-01', 5, 2],
    ['2026-08-02', 5, 2],
    ['2026-08-03', 6, 4],
  ]);
  expect(series.points).toHaveLength(14);
  // A deadline already passed: the chart runs to today; none set: the same.
  expect(buildSeries({ active: 1, claimed: 0, signedIn: 0, ready: 0 }, [], { todayDay: today, deadlineDay: today - 5, sinceDay: today - 180 }).endDay).toBe(today);
  expect(buildSeries({ active: 1, claimed: 0, signedIn: 0, ready: 0 }, [], { todayDay: today, deadlineDay: null, sinceDay: today - 180 }).endDay).toBe(today);
  // History older than the summary keeps is not invented.
  expect(
    buildSeries({ active: 1, claimed: 1, signedIn: 0, ready: 0 }, [{ day: today - 300, claimed: 1, signedIn: 0 }], { todayDay: today, deadlineDay: null, sinceDay: today - 180 })
      .startDay,
  ).toBe(today - 180);
});

test('the chart: lines inside the plot, the goal at the top, today and the deadline marked', () => {
  const today = dateToDay('2026-08-03');
  const series = buildSeries({ active: 4, claimed: 4, signedIn: 2, ready: 2 }, [{ day: today - 1, claimed: 4, signedIn: 2 }], {
    todayDay: today,
    deadlineDay: today + 7,
    sinceDay: today - 180,
  });
  const model = chartModel(series, { date: (d) => d.slice(5), percent: (s) => `${Math.round(s * 100)}%` });
  expect(model.goalY).toBe(model.plot.top);
  expect(model.yTicks.map((t) => t.label)).toEqual(['0%', '25%', '50%', '75%', '100%']);
  expect(model.deadline!.x).toBe(model.plot.right);
  expect(model.today!.x).toBeLessThan(model.plot.right);
  const points = model.claimedPoints.split(' ').map((p) => p.split(',').map(Number));
  expect(points).toHaveLength(series.points.length);
  for (const [x, y] of points) {
    expect(x).toBeGreaterThanOrEqual(model.plot.left);
    expect(x).toBeLessThanOrEqual(model.plot.right);
    expect(y).toBeGreaterThanOrEqual(model.plot.top);
    expect(y).toBeLessThanOrEqual(model.plot.bottom);
  }
  expect(points[points.length - 1][1]).toBe(model.plot.top); // all four claimed: at the goal
  expect(model.xTicks[0].label).toBe(dayToDate(series.startDay).slice(5));
});

test('export helpers: homeroom and teachers, file names', () => {
  expect(
    homeroomAndTeachers([
      { accountId: 'a', title: 'Science', homeroom: false, teachers: ['Kenji Nakamura'] },
      { accountId: 'a', title: 'Homeroom 5', homeroom: true, teachers: ['María Rivera'] },
    ]),
  ).toEqual({ homeroom: 'Homeroom 5', teachers: 'María Rivera' });
  expect(
    homeroomAndTeachers([
      { accountId: 'a', title: 'Science', homeroom: false, teachers: ['Kenji Nakamura'] },
      { accountId: 'a', title: 'Music', homeroom: false, teachers: ['Kenji Nakamura', 'Ana Lee'] },
    ]),
  ).toEqual({ homeroom: '', teachers: 'Kenji Nakamura; Ana Lee' });
  expect(slug('École Côté-Nord')).toBe('ecole-cote-nord');
  expect(slug('Hillcrest, "North" Campus')).toBe('hillcrest-north-campus');
  expect(slug('王')).toBe('list');
});
