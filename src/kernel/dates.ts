const dateFormats = new Map<string, Intl.DateTimeFormat>();

/** "25 November 2026", in the publication's time zone. Formatters are built once per zone. */
export function formatDate(at: string | Date, timeZone: string): string {
  let format = dateFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-IN', { dateStyle: 'long', timeZone });
    dateFormats.set(timeZone, format);
  }
  return format.format(typeof at === 'string' ? new Date(at) : at);
}
