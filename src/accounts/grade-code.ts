import { z } from 'zod';

/**
 * A grade as the roster spells it (OneRoster's codes: `PK`, `KG`, `01`…`13`, or a district's own). Compared exactly,
 * as the roster import stores it, so a policy naming `1` does not silently cover students of grade `01`.
 */
export const gradeCode = z.string().regex(/^[A-Za-z0-9-]{1,12}$/, 'expected a grade code as the roster spells it, e.g. KG or 01');

/**
 * Grade codes typed in a form, separated by commas (or semicolons, or lines); duplicates dropped, order kept. Spaces
 * do not separate: "Grade 1" is reported as one code the roster cannot hold, not read as the grades "Grade" and "1".
 */
export function parseGradeList(text: string): { grades: string[]; invalid: string[] } {
  const parts = text
    .split(/[,;\n]+/)
    .map((part) => part.trim())
    .filter(Boolean);
  const grades = [...new Set(parts.filter((part) => gradeCode.safeParse(part).success))];
  return { grades, invalid: parts.filter((part) => !gradeCode.safeParse(part).success) };
}
