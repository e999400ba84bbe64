import type { IssueCode, IssueParams } from './issue-text.js';

/** A problem with one row (or a whole file when line is 1 and there is no sourcedId). */
export interface RowIssue {
  file: string;
  line: number;
  column?: string;
  sourcedId?: string;
  /** In English (see issue-text.ts). */
  reason: string;
  /** The reason's message id and values, to show it in another language (absent for an unexpected failure). */
  code?: IssueCode;
  params?: IssueParams;
}

export interface IssueSummary {
  count: number;
  /** The first `limit` issues, in the order found. */
  items: RowIssue[];
}

/** Keeps the first issues and counts the rest, so a broken million-row file does not fill memory. */
export class IssueList {
  readonly items: RowIssue[] = [];
  count = 0;
  constructor(private readonly limit = 100) {}
  add(issue: RowIssue): void {
    this.count += 1;
    if (this.items.length < this.limit) this.items.push(issue);
  }
  toJSON(): IssueSummary {
    return { count: this.count, items: this.items };
  }
}

export function formatIssue(issue: RowIssue): string {
  const where = `${issue.file}:${issue.line}${issue.column ? ` (${issue.column})` : ''}`;
  return `${where}${issue.sourcedId ? ` ${issue.sourcedId}` : ''}: ${issue.reason}`;
}
