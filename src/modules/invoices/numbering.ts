/**
 * Invoice numbers: a prefix, the financial year and a sequence, e.g. `INV2627-000001`. GST
 * rule 46 asks for a consecutive serial number, unique for a financial year, of at most 16
 * characters, of letters, digits, hyphens and slashes only.
 */

/** The most characters an invoice number may have (GST rule 46). */
export const maxInvoiceNumberLength = 16;

/** India Standard Time is UTC+05:30 all year (no daylight saving), so a fixed offset is exact. */
const istOffsetMs = (5 * 60 + 30) * 60_000;

/**
 * India's financial year of a moment, `2026-27` for 1 April 2026 00:00 IST up to the end of
 * 31 March 2027 IST. The year turns at 31 March 18:30 UTC.
 */
export function financialYear(at: Date): string {
  const time = at.getTime();
  if (Number.isNaN(time)) throw new RangeError('financialYear needs a valid date.');
  const ist = new Date(time + istOffsetMs);
  const year = ist.getUTCFullYear();
  // getUTCMonth is 0-based: 3 is April.
  const start = ist.getUTCMonth() >= 3 ? year : year - 1;
  if (start < 1000 || start > 9998) throw new RangeError(`No financial year for ${at.toISOString()}.`);
  return `${start}-${String((start + 1) % 100).padStart(2, '0')}`;
}

const yearShape = /^(\d{4})-(\d{2})$/;
const allowed = /^[A-Za-z0-9/-]+$/;

/**
 * `INV2627-000001`: the prefix, the financial year as four digits, a hyphen and the sequence
 * padded to six digits (more when it grows past 999999). Throws a RangeError for a prefix
 * with characters rule 46 does not allow, a malformed year, a sequence below 1, or a number
 * that would exceed 16 characters — a number must never be cut short, since a cut one could
 * repeat.
 */
export function invoiceNumber(prefix: string, fy: string, sequence: number): string {
  if (prefix !== '' && !allowed.test(prefix)) {
    throw new RangeError(`An invoice prefix may hold letters, digits, "-" and "/" only, got "${prefix}".`);
  }
  const years = yearShape.exec(fy);
  if (!years || (Number(years[1]) + 1) % 100 !== Number(years[2])) {
    throw new RangeError(`Expected a financial year such as 2026-27, got "${fy}".`);
  }
  if (!Number.isSafeInteger(sequence) || sequence < 1) {
    throw new RangeError(`An invoice sequence is a whole number from 1, got ${sequence}.`);
  }
  const number = `${prefix}${years[1]!.slice(2)}${years[2]}-${String(sequence).padStart(6, '0')}`;
  if (number.length > maxInvoiceNumberLength) {
    throw new RangeError(
      `Invoice number ${number} would have ${number.length} characters; at most ${maxInvoiceNumberLength} are allowed.`,
    );
  }
  return number;
}
