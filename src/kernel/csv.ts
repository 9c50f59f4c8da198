// CSV (RFC 4180) by hand: csv-stringify is not a dependency, and the tables are flat. Shared by
// analytics (its figures) and the support desk (the subscriber list, streamed line by line).

const needsQuotes = /[",\r\n]/;
/** Cells a spreadsheet would run as a formula are prefixed with a quote (CSV injection). */
const formulaStart = /^[=+\-@\t\r]/;

export type CsvCell = string | number | null;

function cell(value: CsvCell): string {
  if (value === null) return '';
  if (typeof value === 'number') return String(value);
  const safe = formulaStart.test(value) ? `'${value}` : value;
  return needsQuotes.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/** One record, escaped, with its CRLF: for writing a large table a line at a time. */
export function csvLine(row: readonly CsvCell[]): string {
  return row.map(cell).join(',') + '\r\n';
}

/** A header row and the rows, CRLF-separated, as RFC 4180 has it. */
export function toCsv(header: readonly string[], rows: readonly (readonly CsvCell[])[]): string {
  return [header, ...rows].map(csvLine).join('');
}
