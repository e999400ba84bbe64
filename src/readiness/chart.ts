import type { Series } from './series.js';

/**
 * The readiness chart as SVG geometry, computed here and drawn by views/readiness/_chart.ejs: two rising lines
 * (claimed, solid; signed in at least once, dashed) against the goal (every active student) from the start of the
 * history to the deadline, with today and the deadline marked. The template only places what is computed here.
 */
export interface ChartModel {
  width: number;
  height: number;
  plot: { left: number; top: number; right: number; bottom: number };
  claimedPoints: string;
  signedInPoints: string;
  /** Horizontal grid lines with their labels (shares of the goal). */
  yTicks: { y: number; label: string }[];
  xTicks: { x: number; label: string }[];
  goalY: number;
  today: { x: number } | null;
  deadline: { x: number } | null;
  /** Where the lines end, to label them there. */
  claimedEnd: { x: number; y: number } | null;
  signedInEnd: { x: number; y: number } | null;
}

export interface ChartFormat {
  /** A short date: "3 Aug". */
  date(date: string): string;
  /** A share of the goal: "50 %". */
  percent(fraction: number): string;
}

const WIDTH = 720;
const HEIGHT = 300;
const MARGIN = { left: 56, right: 24, top: 28, bottom: 40 };

const round = (value: number) => Math.round(value * 10) / 10;

export function chartModel(series: Series, format: ChartFormat): ChartModel {
  const plot = { left: MARGIN.left, top: MARGIN.top, right: WIDTH - MARGIN.right, bottom: HEIGHT - MARGIN.bottom };
  const span = Math.max(1, series.endDay - series.startDay);
  const goal = Math.max(1, series.goal);
  const x = (day: number) => round(plot.left + ((day - series.startDay) / span) * (plot.right - plot.left));
  const y = (value: number) => round(plot.bottom - (Math.min(value, goal) / goal) * (plot.bottom - plot.top));
  const line = (pick: (p: Series['points'][number]) => number) => series.points.map((p) => `${x(p.day)},${y(pick(p))}`).join(' ');

  const yTicks = [0, 0.25, 0.5, 0.75, 1].map((share) => ({ y: y(share * goal), label: format.percent(share) }));
  // About six dates along the axis, always the first one; the deadline is labelled by its own marker.
  const step = Math.max(1, Math.ceil(span / 6));
  const xTicks: ChartModel['xTicks'] = [];
  for (let day = series.startDay; day <= series.endDay - step / 2 || day === series.startDay; day += step) {
    xTicks.push({ x: x(day), label: format.date(new Date(day * 86_400_000).toISOString().slice(0, 10)) });
  }
  const last = series.points[series.points.length - 1];
  return {
    width: WIDTH,
    height: HEIGHT,
    plot,
    claimedPoints: line((p) => p.claimed),
    signedInPoints: line((p) => p.signedIn),
    yTicks,
    xTicks,
    goalY: y(goal),
    today: series.todayDay <= series.endDay ? { x: x(series.todayDay) } : null,
    deadline: series.deadlineDay !== null && series.deadlineDay >= series.startDay ? { x: x(series.deadlineDay) } : null,
    claimedEnd: last ? { x: x(last.day), y: y(last.claimed) } : null,
    signedInEnd: last ? { x: x(last.day), y: y(last.signedIn) } : null,
  };
}
