const dateFormats = new Map<string, Intl.DateTimeFormat>();
const formatted = new Map<string, string>();

/** "25 November 2026", in the publication's time zone. Formatters are built once per zone. */
export function formatDate(at: string | Date, timeZone: string): string {
  const key = `${timeZone}|${typeof at === 'string' ? at : at.getTime()}`;
  let text = formatted.get(key);
  if (text === undefined) {
    let format = dateFormats.get(timeZone);
    if (!format) {
      format = new Intl.DateTimeFormat('en-IN', { dateStyle: 'long', timeZone });
      dateFormats.set(timeZone, format);
    }
    text = format.format(typeof at === 'string' ? new Date(at) : at);
    // Pages show the same few dates over and over; formatting is the slow part of a page view.
    if (formatted.size >= 10_000) formatted.clear();
    formatted.set(key, text);
  }
  return text;
}

/** True when `name` is a time zone this runtime knows (IANA names such as Asia/Kolkata). */
export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}
