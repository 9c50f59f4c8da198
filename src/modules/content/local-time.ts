// The editor's publish time is typed in the publisher's time zone (an `<input
// type="datetime-local">` carries no zone) and stored as a UTC instant. Pure: no clock, no I/O.

const localPattern = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/;

/** The wall-clock fields of `instant` in `timeZone`, as if they were UTC (milliseconds). */
function wallClockAsUtc(instant: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(instant));
  const field = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)?.value);
  return Date.UTC(
    field('year'),
    field('month') - 1,
    field('day'),
    field('hour'),
    field('minute'),
    field('second'),
  );
}

/** "2026-11-20T09:30" for an instant, in `timeZone`: the value a datetime-local input shows. */
export function localInputOf(iso: string, timeZone: string): string {
  const wall = new Date(wallClockAsUtc(new Date(iso).getTime(), timeZone));
  return wall.toISOString().slice(0, 16);
}

/**
 * The UTC instant (ISO 8601 with milliseconds) of a wall-clock time in `timeZone`, or undefined
 * when the text is not `YYYY-MM-DDTHH:mm` or names no real date. A time a clock change skips is
 * read with the offset before the change.
 */
export function instantOfLocal(local: string, timeZone: string): string | undefined {
  const match = localPattern.exec(local);
  if (!match) return undefined;
  const [, y, mo, d, h, mi] = match.map(Number) as [number, number, number, number, number, number];
  const asUtc = Date.UTC(y, mo - 1, d, h, mi);
  const check = new Date(asUtc);
  if (check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d || h > 23 || mi > 59) return undefined;
  // The zone's offset at a first guess, then again at the answer (they differ across a change).
  const guess = asUtc - (wallClockAsUtc(asUtc, timeZone) - asUtc);
  const instant = asUtc - (wallClockAsUtc(guess, timeZone) - guess);
  return new Date(instant).toISOString();
}
