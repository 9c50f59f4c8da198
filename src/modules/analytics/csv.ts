// CSV (RFC 4180) by hand: csv-stringify is not a dependency, and the tables are small and flat.

const needsQuotes = /[",\r\n]/;
/** Cells a spreadsheet would run as a formula are prefixed with a quote (CSV injection). */
const formulaStart = /^[=+\-@\t\r]/;

function cell(value: string | number | null): string {
  if (value === null) return '';
  if (typeof value === 'number') return String(value);
  const safe = formulaStart.test(value) ? `'${value}` : value;
  return needsQuotes.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/** A header row and the rows, CRLF-separated, as RFC 4180 has it. */
export function toCsv(
  header: readonly string[],
  rows: readonly (readonly (string | number | null)[])[],
): string {
  return [header, ...rows].map((row) => row.map(cell).join(',')).join('\r\n') + '\r\n';
}
