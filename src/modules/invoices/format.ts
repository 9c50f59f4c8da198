import { TZDate } from '@date-fns/tz';
import { formatDate } from '../../kernel/dates.js';
import { minorUnitsPerMajor, type Money } from '../../kernel/money.js';
import type { InvoiceView } from './domain.js';

/**
 * The invoice's dates are India's: its number's financial year turns at midnight IST, so its
 * date must too (a payment at 31 March 20:00 UTC is dated 1 April and numbered in the new year).
 */
export const invoiceTimeZone = 'Asia/Kolkata';

export const invoiceDate = (iso: string): string => formatDate(iso, invoiceTimeZone);

/** "Tax Invoice" from a GST-registered publisher; a plain "Invoice" (no GST charged) otherwise. */
export const documentTitle = (invoice: InvoiceView): string =>
  invoice.seller.gstin === null ? 'Invoice' : 'Tax Invoice';

/**
 * The days a line's service covers, in the invoice's time zone: from the day the period starts to
 * the day before the one it ends on, so consecutive periods tile (a year bought at 2 December
 * 01:30 IST covers 2 December 2026 – 1 December 2027, and the renewal starts on 2 December 2027).
 * `YYYY-MM-DD`; null for a line that is not a period.
 */
export function servicePeriod(line: {
  readonly periodStart: string | null;
  readonly periodEnd: string | null;
}): { readonly firstDay: string; readonly lastDay: string } | null {
  if (line.periodStart === null || line.periodEnd === null) return null;
  const firstDay = localDay(line.periodStart, 0);
  // A period shorter than a day still covers the day it was bought on.
  const lastDay = localDay(line.periodEnd, -1);
  return { firstDay, lastDay: lastDay < firstDay ? firstDay : lastDay };
}

/** The calendar day of `iso` in the invoice's zone, moved by `days`, as `YYYY-MM-DD`. */
function localDay(iso: string, days: number): string {
  const local = new TZDate(new Date(iso).getTime(), invoiceTimeZone);
  const day = new Date(Date.UTC(local.getFullYear(), local.getMonth(), local.getDate() + days));
  return day.toISOString().slice(0, 10);
}

/** The subscription period of a line, "2 December 2026 – 1 December 2027", or undefined. */
export function periodText(line: {
  readonly periodStart: string | null;
  readonly periodEnd: string | null;
}): string | undefined {
  const period = servicePeriod(line);
  if (period === null) return undefined;
  // A calendar day, not an instant: formatted as the day it names.
  const day = (date: string) => formatDate(`${date}T00:00:00.000Z`, 'UTC');
  return `${day(period.firstDay)} – ${day(period.lastDay)}`;
}

/**
 * A rate in basis points divided into `parts` as an exact percentage: `18%`, `9%`, `2.5%`,
 * `0.125%` — integer arithmetic, so no `8.999999%`.
 */
export function percentText(rateBp: number, parts = 1): string {
  const denominator = 100 * parts;
  let text = String(Math.floor(rateBp / denominator));
  let remainder = rateBp % denominator;
  if (remainder !== 0) text += '.';
  // A denominator of 2^a·5^b terminates; the bound only guards against a caller's odd `parts`.
  for (let digits = 0; remainder !== 0 && digits < 6; digits++) {
    remainder *= 10;
    text += String(Math.floor(remainder / denominator));
    remainder %= denominator;
  }
  return `${text}%`;
}

const groupings = new Map<string, Intl.NumberFormat>();

/**
 * `INR 2,288.14`: the currency code rather than its sign, always with the minor digits. For the
 * PDF, whose standard fonts have no ₹. Exact for any safe amount: the digits come from integer
 * division, only the grouping of the whole part from Intl.
 */
export function amountText(value: Money): string {
  const unit = minorUnitsPerMajor(value.currency);
  const digits = String(unit).length - 1;
  const locale = value.currency === 'INR' ? 'en-IN' : 'en-US';
  let grouping = groupings.get(locale);
  if (!grouping) {
    grouping = new Intl.NumberFormat(locale, { maximumFractionDigits: 0 });
    groupings.set(locale, grouping);
  }
  const minor = BigInt(value.amountMinor);
  const size = minor < 0n ? -minor : minor;
  const whole = grouping.format(size / BigInt(unit));
  const fraction = digits > 0 ? `.${String(size % BigInt(unit)).padStart(digits, '0')}` : '';
  return `${value.currency} ${minor < 0n ? '-' : ''}${whole}${fraction}`;
}
