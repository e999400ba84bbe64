/** Reading the readiness pages back: the figure cards, the tables, the deadline line and the chart's text. */
import type { FiguresRow } from '../../src/readiness/present.js';

export function decode(value: string): string {
  return value
    .replace(/<[^>]+>/g, '')
    .replace(/&#34;|&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();
}

/** The figure cards of a page: the figures of a table row, without its name. */
export type Cards = Omit<FiguresRow, 'name' | 'href' | 'note'>;

export function cards(html: string): Cards {
  const card = (id: string) => {
    const match = new RegExp(
      `figure-${id}"><span class="figure-label">[^<]*</span> <strong class="figure-value">([^<]*)</strong>(?: <span class="figure-detail">([^<]*)</span>)?`,
    ).exec(html);
    if (!match) throw new Error(`no ${id} card on the page`);
    return { value: decode(match[1]), detail: match[2] ? decode(match[2]) : '' };
  };
  const claimed = card('claimed');
  const signedIn = card('signedIn');
  return {
    active: card('active').value,
    claimed: claimed.value,
    claimedShare: claimed.detail,
    signedIn: signedIn.value,
    signedInShare: signedIn.detail,
    notReady: card('notReady').value,
  };
}

export interface TableRow {
  name: string;
  href: string | null;
  cells: string[];
}

/** Rows of the table in the section headed by `${id}-heading` (schools, grades, classes, myClasses, students). */
export function tableRows(html: string, id: string): TableRow[] {
  const start = html.indexOf(`id="${id}-heading"`);
  if (start < 0) throw new Error(`no ${id} section on the page`);
  const section = html.slice(start, html.indexOf('</section>', start));
  const body = /<tbody>([\s\S]*?)<\/tbody>/.exec(section);
  if (!body) return [];
  return [...body[1].matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map(([, row]) => {
    const head = /<th scope="row">([\s\S]*?)<\/th>/.exec(row)![1];
    const href = /href="([^"]+)"/.exec(head)?.[1] ?? null;
    const cells = [...row.matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((m) => decode(m[1]));
    return { name: decode(head), href: href ? decode(href) : null, cells };
  });
}

/** The chart's daily table, by date text: [claimed, signed in]. */
export function chartRows(html: string): Map<string, [string, string]> {
  const start = html.indexOf('class="chart-table"');
  const section = html.slice(start, html.indexOf('</details>', start));
  const rows = new Map<string, [string, string]>();
  for (const [, date, claimed, signedIn] of section.matchAll(/<tr><th scope="row">([^<]+)<\/th><td class="num">([^<]+)<\/td><td class="num">([^<]+)<\/td><\/tr>/g)) {
    rows.set(decode(date), [decode(claimed), decode(signedIn)]);
  }
  return rows;
}

export function chartSummary(html: string): string {
  const match = /<figcaption id="chart-summary" class="chart-summary">([\s\S]*?)<\/figcaption>/.exec(html);
  if (!match) throw new Error('no chart summary');
  return decode(match[1]);
}

export function deadlineLine(html: string): string {
  const match = /<p class="deadline[^"]*">([\s\S]*?)<\/p>/.exec(html);
  if (!match) throw new Error('no deadline line');
  return decode(match[1]);
}
