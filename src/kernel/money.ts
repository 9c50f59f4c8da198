/**
 * Money is an integer count of a currency's minor unit (paise for INR) with its ISO 4217
 * code. Floating point never touches an amount; formatting happens only at the edge.
 * A bad amount here is a bug (RangeError): input is validated, with a 4xx, before it is money.
 */
export interface Money {
  readonly amountMinor: number;
  readonly currency: Currency;
}

/** Minor-unit exponents of the currencies Masthead accepts. */
const exponents = { INR: 2, USD: 2, EUR: 2, GBP: 2, SGD: 2, AED: 2, JPY: 0 } as const;

export type Currency = keyof typeof exponents;

export function isCurrency(code: string): code is Currency {
  return Object.hasOwn(exponents, code);
}

export function money(amountMinor: number, currency: string): Money {
  if (!Number.isSafeInteger(amountMinor)) {
    throw new RangeError(`An amount must be a whole number of minor units, got ${amountMinor}.`);
  }
  if (!isCurrency(currency)) {
    throw new RangeError(`Unsupported currency "${currency}".`);
  }
  return { amountMinor, currency };
}

export function minorUnitsPerMajor(currency: Currency): number {
  return 10 ** exponents[currency];
}

/**
 * An amount typed by a person in major units ("900", "1,200.50") as minor units, or undefined
 * when it is not one: more decimals than the currency has, a sign, letters.
 */
export function parseMajorAmount(text: string, currency: Currency): number | undefined {
  const digits = exponents[currency];
  const found = /^(\d{1,13})(?:\.(\d+))?$/.exec(text.trim().replace(/[,\s]/g, ''));
  if (!found || (found[2] ?? '').length > digits) return undefined;
  return (
    Number(found[1]) * minorUnitsPerMajor(currency) + Number((found[2] ?? '').padEnd(digits, '0') || '0')
  );
}

/**
 * Splits an amount evenly over `parts` and rounds down to a whole major unit, as the
 * reference paywall shows "₹162/Month" for ₹3,900 over 24 months (162.5).
 */
export function perPartFloorToMajor(total: Money, parts: number): Money {
  if (!Number.isSafeInteger(parts) || parts <= 0) {
    throw new RangeError(`Cannot split an amount into ${parts} parts.`);
  }
  const unit = minorUnitsPerMajor(total.currency);
  const wholeMajor = Math.floor(total.amountMinor / (parts * unit));
  return { amountMinor: wholeMajor * unit, currency: total.currency };
}

const localeByCurrency: Partial<Record<Currency, string>> = { INR: 'en-IN' };
const formatters = new Map<string, Intl.NumberFormat>();

/** "₹2,700" for a whole amount, "₹2,700.50" otherwise; Indian digit grouping for INR. */
export function formatMoney(value: Money): string {
  const unit = minorUnitsPerMajor(value.currency);
  const whole = value.amountMinor % unit === 0;
  const locale = localeByCurrency[value.currency] ?? 'en-US';
  const key = `${locale}:${value.currency}:${whole}`;
  let formatter = formatters.get(key);
  if (!formatter) {
    const digits = whole ? 0 : exponents[value.currency];
    formatter = new Intl.NumberFormat(locale, {
      style: 'currency',
      currency: value.currency,
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
    });
    formatters.set(key, formatter);
  }
  return formatter.format(value.amountMinor / unit);
}
