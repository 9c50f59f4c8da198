/** A plan's term: `count` months or years. */
export interface Term {
  readonly unit: 'month' | 'year';
  readonly count: number;
}

/**
 * `from` plus `count` terms, by the calendar in UTC: the same day of the month, or the month's
 * last day when it has no such day (31 January + 1 month = 28/29 February). Times of day are kept.
 */
export function addTerm(from: Date, term: Term, count = 1): Date {
  const months = (term.unit === 'year' ? 12 : 1) * term.count * count;
  const year = from.getUTCFullYear();
  const month = from.getUTCMonth() + months;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const result = new Date(from);
  result.setUTCFullYear(year, month, Math.min(from.getUTCDate(), lastDay));
  return result;
}

export function addDays(from: Date, days: number): Date {
  return new Date(from.getTime() + days * 86_400_000);
}
