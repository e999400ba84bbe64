import { formatLocale } from '../i18n/locales.js';
import { chartModel, type ChartModel } from './chart.js';
import { view, type Figures } from './figures.js';
import type { ClassStudent } from './ports.js';
import type { Deadline, Freshness } from './service.js';
import type { Series } from './series.js';

/** What the readiness templates show, in the reader's language: numbers, shares and dates already formatted. */

type Translate = (id: string, params?: Record<string, unknown>) => string;

export interface Formatter {
  t: Translate;
  number(value: number): string;
  /** A share (0.666) as "66.6%"; a dash for an empty group. */
  percent(fraction: number | null): string;
  /** A long date: "August 10, 2026". */
  date(date: string): string;
  shortDate(date: string): string;
  /** A date and time in the district's zone. */
  time(at: number): string;
}

export function formatter(language: string, t: Translate, timeZone: string): Formatter {
  const locale = formatLocale(language);
  const numbers = new Intl.NumberFormat(locale);
  const percents = new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 1 });
  const long = new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone: 'UTC' });
  const short = new Intl.DateTimeFormat(locale, { month: 'short', day: 'numeric', timeZone: 'UTC' });
  const times = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short', timeZone });
  const utcDate = (date: string) => new Date(`${date}T00:00:00Z`);
  return {
    t,
    number: (value) => numbers.format(value),
    percent: (fraction) => (fraction === null ? '—' : percents.format(fraction)),
    date: (date) => long.format(utcDate(date)),
    shortDate: (date) => short.format(utcDate(date)),
    time: (at) => times.format(at),
  };
}

export interface FiguresRow {
  name: string;
  href: string | null;
  /** A note after the name (a homeroom). */
  note: string | null;
  active: string;
  claimed: string;
  claimedShare: string;
  signedIn: string;
  signedInShare: string;
  notReady: string;
}

export function figuresRow(f: Formatter, name: string, href: string | null, figures: Figures, note: string | null = null): FiguresRow {
  const v = view(figures);
  return {
    name,
    href,
    note,
    active: f.number(v.active),
    claimed: f.number(v.claimed),
    claimedShare: f.percent(v.claimedShare),
    signedIn: f.number(v.signedIn),
    signedInShare: f.percent(v.signedInShare),
    notReady: f.number(v.notReady),
  };
}

export interface SummaryView {
  cards: { id: string; label: string; value: string; detail: string | null }[];
  deadline: { text: string; state: 'left' | 'today' | 'passed' | 'unset' };
  freshness: { text: string; first: boolean };
}

export function summaryView(f: Formatter, figures: Figures, deadline: Deadline | null, freshness: Freshness, live: boolean): SummaryView {
  const v = view(figures);
  const share = (fraction: number | null) => (fraction === null ? null : f.t('readiness.figures.share', { share: f.percent(fraction) }));
  let deadlineText: SummaryView['deadline'];
  if (!deadline) deadlineText = { text: f.t('readiness.deadline.unset'), state: 'unset' };
  else if (deadline.daysLeft > 0) deadlineText = { text: f.t('readiness.deadline.left', { count: deadline.daysLeft, date: f.date(deadline.date) }), state: 'left' };
  else if (deadline.daysLeft === 0) deadlineText = { text: f.t('readiness.deadline.today', { date: f.date(deadline.date) }), state: 'today' };
  else deadlineText = { text: f.t('readiness.deadline.passed', { count: -deadline.daysLeft, date: f.date(deadline.date) }), state: 'passed' };
  let freshnessText: string;
  if (live) freshnessText = f.t('readiness.freshness.live');
  else if (freshness.refreshedAt === null) freshnessText = f.t('readiness.freshness.first');
  else if (freshness.updating) freshnessText = f.t('readiness.freshness.updating', { time: f.time(freshness.refreshedAt) });
  else freshnessText = f.t('readiness.freshness.asOf', { time: f.time(freshness.refreshedAt) });
  return {
    cards: [
      { id: 'active', label: f.t('readiness.figures.active'), value: f.number(v.active), detail: null },
      { id: 'claimed', label: f.t('readiness.figures.claimed'), value: f.number(v.claimed), detail: share(v.claimedShare) },
      { id: 'signedIn', label: f.t('readiness.figures.signedIn'), value: f.number(v.signedIn), detail: share(v.signedInShare) },
      { id: 'notReady', label: f.t('readiness.figures.notReady'), value: f.number(v.notReady), detail: null },
    ],
    deadline: deadlineText,
    freshness: { text: freshnessText, first: !live && freshness.refreshedAt === null },
  };
}

export interface ChartView {
  model: ChartModel;
  /** The text alternative: what the chart says, in one or two sentences. */
  summary: string;
  labels: { claimed: string; signedIn: string; goal: string; today: string; deadline: string };
  rows: { date: string; claimed: string; signedIn: string }[];
}

export function chartView(f: Formatter, series: Series, figures: Figures, deadline: Deadline | null): ChartView {
  const v = view(figures);
  const today = series.points[series.points.length - 1];
  const first = series.points[0];
  let summary =
    v.active === 0
      ? f.t('readiness.chart.empty')
      : f.t('readiness.chart.summary', {
          date: f.date(today.date),
          claimed: f.number(v.claimed),
          active: f.number(v.active),
          claimedShare: f.percent(v.claimedShare),
          signedIn: f.number(v.signedIn),
          signedInShare: f.percent(v.signedInShare),
        });
  if (v.active > 0 && first && first !== today) {
    summary += ` ${f.t('readiness.chart.since', { date: f.date(first.date), claimed: f.number(first.claimed), signedIn: f.number(first.signedIn) })}`;
  }
  if (v.active > 0 && deadline && deadline.daysLeft > 0) {
    summary += ` ${f.t('readiness.chart.toGo', { count: deadline.daysLeft, notReady: f.number(v.notReady) })}`;
  }
  return {
    model: chartModel(series, { date: f.shortDate, percent: (share) => f.percent(share) }),
    summary,
    labels: {
      claimed: f.t('readiness.figures.claimed'),
      signedIn: f.t('readiness.figures.signedIn'),
      goal: f.t('readiness.chart.goal', { total: f.number(v.active) }),
      today: f.t('readiness.chart.today'),
      deadline: f.t('readiness.chart.deadline'),
    },
    // Newest first: the days people look for are the recent ones.
    rows: [...series.points].reverse().map((p) => ({ date: f.date(p.date), claimed: f.number(p.claimed), signedIn: f.number(p.signedIn) })),
  };
}

export interface StudentRow {
  name: string;
  username: string;
  studentId: string;
  grade: string;
  claimed: string;
  firstSignIn: string;
  ready: boolean;
  status: string;
}

export function studentRows(f: Formatter, students: ClassStudent[]): StudentRow[] {
  const rows = students.map((s) => {
    const ready = s.claimed && s.firstLoginAt !== null;
    return {
      name: `${s.familyName}, ${s.givenName}`,
      username: s.username,
      studentId: s.studentId ?? '',
      grade: s.grade ?? '',
      claimed: s.claimed ? f.t('readiness.students.yes') : f.t('readiness.students.no'),
      firstSignIn: s.firstLoginAt === null ? f.t('readiness.students.never') : f.time(s.firstLoginAt),
      ready,
      status: ready ? f.t('readiness.students.ready') : f.t('readiness.students.notReady'),
    };
  });
  // The ones to call first.
  return [...rows.filter((r) => !r.ready), ...rows.filter((r) => r.ready)];
}

/** A grade as people read it: "Grade 04", or "No grade". */
export function gradeName(f: Formatter, grade: string): string {
  return grade ? f.t('readiness.grades.name', { grade }) : f.t('readiness.grades.none');
}
