/** Characters that make a spreadsheet run a cell as a formula when they come first (CSV injection). */
const FORMULA_START = /^[=+\-@\t\r]/;
const QUOTE_FOR_COMMA = /[,"\n\r]/;
const QUOTE_ALWAYS = /["\n\r]/;
/** What `trim()` would remove: `\s` is the same set. */
const EDGE_SPACE = /^\s|\s$/;

/**
 * One CSV cell for a report a person opens in a spreadsheet: a value that would start
 * a formula gets a leading `'` (so `=HYPERLINK(...)` in a user's name stays text), and
 * the cell is quoted when it holds the delimiter, a quote, a line break, or spaces at
 * either end (the reader trims unquoted cells). `null` and `undefined` are empty.
 *
 * Not for rejected rows: those are written from `SourceRow.raw`, unchanged, so the file
 * can be imported again (a leading `'` would change a phone number like `+49 30 …`).
 */
export function csvCell(value: string | number | boolean | null | undefined, delimiter = ','): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'string' ? value : String(value);
  return csvData(FORMULA_START.test(text) ? `'${text}` : text, delimiter);
}

/**
 * One CSV cell whose value must survive exactly (a password, a row to import again):
 * quoted when needed, never changed. Only for files that are data, not for reports.
 */
export function csvData(value: string | number | boolean | null | undefined, delimiter = ','): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'string' ? value : String(value);
  if (text === '') return text;
  const needsQuotes = (delimiter === ',' ? QUOTE_FOR_COMMA.test(text) : QUOTE_ALWAYS.test(text) || text.includes(delimiter))
    || EDGE_SPACE.test(text);
  return needsQuotes ? `"${text.replaceAll('"', '""')}"` : text;
}

/** One CSV row of exact `csvData` cells (without line break). */
export function csvDataRow(values: readonly (string | number | boolean | null | undefined)[], delimiter = ','): string {
  return values.map((value) => csvData(value, delimiter)).join(delimiter);
}

/** One CSV row (without line break) of `csvCell`s. */
export function csvRow(values: readonly (string | number | boolean | null | undefined)[], delimiter = ','): string {
  return values.map((value) => csvCell(value, delimiter)).join(delimiter);
}
