/**
 * One CSV cell: quoted when it holds a quote, comma, semicolon or line break, and — so a spreadsheet never runs it as
 * a formula (CSV injection) — prefixed with a single quote when it starts with = + - @ or a tab or carriage return.
 */
export function csvCell(value: unknown): string {
  let text = value === null || value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",;\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
