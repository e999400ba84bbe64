import { badRequest, type AppError } from './errors.js';
import { isIsoDate } from './iso-date.js';

export type QueryProblemKind = 'repeated' | 'tooLong' | 'integer' | 'date' | 'id';

export interface QueryProblem {
  name: string;
  kind: QueryProblemKind;
  params: Record<string, number>;
}

/** Ids in our own links: UUIDs, oidc-provider's uids, roster sourcedIds. */
const ID = /^[A-Za-z0-9._:-]{1,128}$/;
/** Dates a person can mean: from the year 1000 (Date.UTC reads years below 100 as 19xx) to 9999. */
const FIRST_YEAR = '1000';

/**
 * The one reader of query-string values (dates, numbers, ids, text) for every route. An absent or empty value gives
 * the default; a present but malformed one is recorded as a problem that names the parameter, and `orThrow` turns
 * the first into a 400 with a translated message: never a silent guess and never a 500 further down. A parameter
 * given twice is malformed too: none of our links repeats one.
 */
export class QueryValues {
  readonly problems: QueryProblem[] = [];

  constructor(private readonly raw: Record<string, unknown>) {}

  private refuse(name: string, kind: QueryProblemKind, params: Record<string, number> = {}): void {
    this.problems.push({ name, kind, params });
  }

  private single(name: string): string | undefined {
    const value = this.raw[name];
    if (value === undefined || value === '') return undefined;
    if (typeof value !== 'string') {
      this.refuse(name, 'repeated');
      return undefined;
    }
    return value;
  }

  /** Free text (a search term), trimmed. */
  text(name: string, maxLength = 200): string {
    const value = this.single(name) ?? '';
    if (value.length > maxLength) {
      this.refuse(name, 'tooLong', { max: maxLength });
      return '';
    }
    return value.trim();
  }

  /** A whole number from min to max, written in decimal digits. */
  integer(name: string, range: { min: number; max: number }, fallback: number): number {
    const value = this.single(name);
    if (value === undefined) return fallback;
    const n = /^\d{1,9}$/.test(value) ? Number(value) : Number.NaN;
    if (!(n >= range.min && n <= range.max)) {
      this.refuse(name, 'integer', range);
      return fallback;
    }
    return n;
  }

  /** A calendar day that exists, YYYY-MM-DD; '' when absent or malformed. */
  date(name: string): string {
    const value = this.single(name);
    if (value === undefined) return '';
    if (!isIsoDate(value) || value < FIRST_YEAR) {
      this.refuse(name, 'date');
      return '';
    }
    return value;
  }

  /** An id of ours; null when absent or malformed. */
  id(name: string, pattern: RegExp = ID): string | null {
    const value = this.single(name);
    if (value === undefined) return null;
    if (!pattern.test(value)) {
      this.refuse(name, 'id');
      return null;
    }
    return value;
  }

  /** Raises the first problem (of the kinds not left to the page) as a 400. */
  orThrow(except: QueryProblemKind[] = []): this {
    const problem = this.problems.find((p) => !except.includes(p.kind));
    if (problem) throw badQuery(problem);
    return this;
  }
}

export function badQuery(problem: QueryProblem): AppError {
  return badRequest('BAD_QUERY', `errors.query.${problem.kind}`, { name: problem.name, ...problem.params });
}
