import type { z } from 'zod';
import { columnName, pick, type ColumnMap, type RosterFile } from '../columns.js';
import { issueFields, type IssueCode, type IssueMessage, type IssueParams } from '../issue-text.js';
import { IssueList, type RowIssue } from '../issues.js';
import { CONTROL, issuesOf } from '../rows.js';

/** How a reference to an org that cannot be used is reported, by the org's state. */
export const ORG_PROBLEMS: Record<'missing' | 'rejected' | 'tobedeleted', IssueCode> = { missing: 'orgMissing', rejected: 'orgRejected', tobedeleted: 'orgDeleted' };

/** The import's errors and warnings, and how a row's problems become them (a file in error is left incomplete). */
export class PlanIssues {
  constructor(private readonly incomplete: Set<RosterFile>) {}

  readonly errors = new IssueList();

  readonly warnings = new IssueList();

  fileError(file: RosterFile, code: IssueCode, params?: IssueParams): void {
    this.errors.add({ file: `${file}.csv`, line: 1, ...issueFields(code, params) });
    this.incomplete.add(file);
  }

  /** Where a row issue is: file, line, column (as the file names it) and the row's sourcedId. */
  place(file: RosterFile, map: ColumnMap, line: number, sourcedId: string | undefined, field: string | null): Omit<RowIssue, 'reason'> {
    return { file: `${file}.csv`, line, ...(field ? { column: columnName(map, field) } : {}), ...(sourcedId ? { sourcedId } : {}) };
  }

  rowIssue(file: RosterFile, map: ColumnMap, line: number, sourcedId: string | undefined, field: string | null, problem: IssueMessage): RowIssue {
    return { ...this.place(file, map, line, sourcedId, field), ...issueFields(problem.code, problem.params) };
  }

  reject(file: RosterFile, map: ColumnMap, line: number, sourcedId: string | undefined, field: string | null, code: IssueCode, params?: IssueParams): void {
    this.errors.add(this.rowIssue(file, map, line, sourcedId, field, { code, params }));
  }

  warn(file: RosterFile, map: ColumnMap, line: number, sourcedId: string | undefined, field: string | null, code: IssueCode, params?: IssueParams): void {
    this.warnings.add(this.rowIssue(file, map, line, sourcedId, field, { code, params }));
  }

  /** zod-parses a row; reports every problem and returns null when invalid. */
  parse<T extends z.ZodType>(
    schema: T,
    file: RosterFile,
    map: ColumnMap,
    row: string[],
    line: number,
    fast?: (fields: Record<string, string>) => z.output<T> | null,
  ): z.output<T> | null {
    const fields = pick(map, row);
    if (CONTROL.test(row.join(''))) {
      const field = Object.keys(fields).find((k) => CONTROL.test(fields[k]));
      if (field) {
        this.reject(file, map, line, fields.sourcedId?.trim() || undefined, field, 'controlCharacters', { field });
        return null;
      }
    }
    if (fast) {
      const record = fast(fields);
      if (record) return record;
    }
    const result = schema.safeParse(fields);
    if (result.success) return result.data;
    const sourcedId = fields.sourcedId?.trim() || undefined;
    for (const issue of issuesOf(result.error)) {
      if (issue.code) this.reject(file, map, line, sourcedId, issue.field || null, issue.code, { field: issue.field, ...issue.params });
      else this.errors.add({ ...this.place(file, map, line, sourcedId, issue.field || null), reason: `${issue.field ? `${issue.field} ` : ''}${issue.reason}` });
    }
    return null;
  }
}
