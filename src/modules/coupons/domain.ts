import { z } from 'zod';
import { formatMoney, isCurrency, type Money } from '../../kernel/money.js';

export type CouponKind = 'percent' | 'amount';
/** `once`: the first term only; `forever`: every term. */
export type CouponDuration = 'once' | 'forever';

/**
 * What a coupon took off, as checkouts and subscriptions store it (JSON): a snapshot, so that a
 * coupon changed or switched off later does not change what a reader was promised.
 */
export interface Discount {
  readonly couponId: string;
  readonly code: string;
  readonly kind: CouponKind;
  /** 1–100 for a percent coupon, else null. */
  readonly percentOff: number | null;
  /** For an amount coupon, else null. */
  readonly amountOff: Money | null;
  readonly duration: CouponDuration;
}

/** A coupon as the admin manages it. */
export interface Coupon {
  readonly id: string;
  /** Upper-case; readers may type it in any case. */
  readonly code: string;
  readonly kind: CouponKind;
  readonly percentOff: number | null;
  readonly amountOff: Money | null;
  readonly duration: CouponDuration;
  /** The plans it applies to; null for every plan. */
  readonly planIds: readonly string[] | null;
  readonly expiresAt: string | null;
  readonly maxRedemptions: number | null;
  readonly redemptions: number;
  /** Uses held by open checkouts; the limit caps `redemptions + reserved`. */
  readonly reserved: number;
  readonly active: boolean;
  readonly createdAt: string;
}

export type CouponRefusal =
  'unknown' | 'inactive' | 'expired' | 'exhausted' | 'not_applicable' | 'already_used';

export type Quote =
  | { readonly ok: true; readonly discount: Discount }
  | { readonly ok: false; readonly reason: CouponRefusal; readonly message: string };

/** 3–32 letters, digits, `-` or `_`. */
export const couponCodePattern = /^[A-Za-z0-9_-]{3,32}$/;

/** The form codes are stored and compared in. */
export const normaliseCode = (code: string): string => code.trim().toUpperCase();

/**
 * The price after the discount. Rounding rule: a percentage discount is rounded DOWN to the
 * minor unit (₹99.99 at 15% off is 1,499.85 paise off, so 1,499 paise; the reader pays ₹85.00),
 * so the reader is never charged a fraction of a paisa and the publisher never gives more than
 * the advertised percentage. Never below zero: an amount larger than the price makes it free.
 *
 * Throws RangeError for a discount that cannot apply (an amount in another currency than the
 * price, a percentage outside 1–100): that is a bug, because `quote` refuses such a coupon first.
 */
export function applyDiscount(price: Money, discount: Discount | null): Money {
  if (!Number.isSafeInteger(price.amountMinor) || price.amountMinor < 0) {
    throw new RangeError(`Cannot discount a price of ${price.amountMinor} minor units.`);
  }
  if (discount === null) return price;
  const off = discountOff(price, discount);
  return { amountMinor: Math.max(0, price.amountMinor - off), currency: price.currency };
}

function discountOff(price: Money, discount: Discount): number {
  if (discount.kind === 'percent') {
    const percent = discount.percentOff;
    if (percent === null || !Number.isInteger(percent) || percent < 1 || percent > 100) {
      throw new RangeError(`A percent discount must be 1–100, got ${percent}.`);
    }
    // BigInt: amount × percent may pass 2^53 for a large amount; the division floors.
    return Number((BigInt(price.amountMinor) * BigInt(percent)) / 100n);
  }
  const amount = discount.amountOff;
  if (amount === null || !Number.isSafeInteger(amount.amountMinor) || amount.amountMinor <= 0) {
    throw new RangeError(`An amount discount needs a positive amount, got ${amount?.amountMinor}.`);
  }
  if (amount.currency !== price.currency) {
    throw new RangeError(`A ${amount.currency} discount cannot apply to a ${price.currency} price.`);
  }
  return amount.amountMinor;
}

/** Whether the discount applies to renewals too, not only to the first term. */
export const appliesToRenewals = (discount: Discount | null): boolean => discount?.duration === 'forever';

const StoredDiscount = z
  .object({
    couponId: z.string().min(1),
    code: z.string().regex(couponCodePattern),
    kind: z.enum(['percent', 'amount']),
    percentOff: z.number().int().min(1).max(100).nullable(),
    amountOff: z
      .object({
        amountMinor: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
        currency: z.string().refine(isCurrency),
      })
      .strict()
      .nullable(),
    duration: z.enum(['once', 'forever']),
  })
  .strict()
  .refine(
    (d) =>
      d.kind === 'percent'
        ? d.percentOff !== null && d.amountOff === null
        : d.amountOff !== null && d.percentOff === null,
    'a percent discount carries percentOff only; an amount discount amountOff only',
  );

/** The JSON stored in `checkouts.discount` and `subscriptions.discount`. */
export function discountJson(discount: Discount): string {
  return JSON.stringify({
    couponId: discount.couponId,
    code: discount.code,
    kind: discount.kind,
    percentOff: discount.percentOff,
    amountOff: discount.amountOff && {
      amountMinor: discount.amountOff.amountMinor,
      currency: discount.amountOff.currency,
    },
    duration: discount.duration,
  });
}

/**
 * Reads a stored discount; null stays null. A stored value that does not parse is corrupt data,
 * not a reader's mistake, so it throws (an Error naming the problem) rather than being ignored:
 * dropping it silently would charge the reader the full price.
 */
export function parseDiscount(json: string | null): Discount | null {
  if (json === null) return null;
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw new Error('A stored discount is not JSON.');
  }
  const parsed = StoredDiscount.safeParse(value);
  if (!parsed.success) throw new Error(`A stored discount is corrupt: ${z.prettifyError(parsed.error)}`);
  const d = parsed.data;
  return {
    couponId: d.couponId,
    code: d.code,
    kind: d.kind,
    percentOff: d.percentOff,
    // The refine above proved the currency supported; zod does not narrow the type through it.
    amountOff: d.amountOff && {
      amountMinor: d.amountOff.amountMinor,
      currency: currencyOf(d.amountOff.currency),
    },
    duration: d.duration,
  };
}

function currencyOf(code: string): Money['currency'] {
  if (!isCurrency(code)) throw new Error(`A stored discount has an unsupported currency "${code}".`);
  return code;
}

/** "20% off the first term", "₹100 off every term". */
export function describeDiscount(discount: Discount): string {
  const off = discount.kind === 'percent' ? `${discount.percentOff}%` : formatMoney(discount.amountOff!);
  return `${off} off ${discount.duration === 'once' ? 'the first term' : 'every term'}`;
}

/** The snapshot a checkout stores when a reader uses `coupon`. */
export function discountOf(coupon: Coupon): Discount {
  return {
    couponId: coupon.id,
    code: coupon.code,
    kind: coupon.kind,
    percentOff: coupon.percentOff,
    amountOff: coupon.amountOff,
    duration: coupon.duration,
  };
}

/** "1 Nov 2026", in `timeZone`. */
export function shortDate(at: string, timeZone: string): string {
  return new Intl.DateTimeFormat('en-GB', {
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    timeZone,
  }).format(new Date(at));
}

/**
 * Whether `coupon` may take money off `price` of `planId` for a reader, at `now`. Checked in
 * the order a reader can act on: a code that does not exist, is switched off or expired says so
 * before anything about the plan or the reader. `alreadyUsed`: this reader redeemed it before.
 * `timeZone`: the publication's, for the expiry date in the message.
 */
export function quoteCoupon(
  coupon: Coupon | undefined,
  context: { planId: string; price: Money; now: Date; alreadyUsed: boolean; timeZone: string; code: string },
): Quote {
  const refuse = (reason: CouponRefusal, message: string): Quote => ({ ok: false, reason, message });
  if (!coupon) {
    const code = normaliseCode(context.code);
    // Echo only what could be a code: the message is shown back to whoever typed it.
    const named = couponCodePattern.test(code) ? ` “${code}”` : '';
    return refuse('unknown', `There is no code${named}. Check it and try again.`);
  }
  if (!coupon.active) return refuse('inactive', 'This code is no longer valid.');
  if (coupon.expiresAt !== null && coupon.expiresAt <= context.now.toISOString()) {
    return refuse('expired', `This code expired on ${shortDate(coupon.expiresAt, context.timeZone)}.`);
  }
  if (coupon.planIds !== null && !coupon.planIds.includes(context.planId)) {
    return refuse('not_applicable', 'This code does not apply to this plan.');
  }
  if (coupon.amountOff !== null && coupon.amountOff.currency !== context.price.currency) {
    return refuse('not_applicable', `This code applies only to prices in ${coupon.amountOff.currency}.`);
  }
  if (context.alreadyUsed) return refuse('already_used', 'You have already used this code.');
  if (coupon.maxRedemptions !== null && coupon.redemptions + coupon.reserved >= coupon.maxRedemptions) {
    return refuse('exhausted', 'This code has been used as many times as it allows.');
  }
  return { ok: true, discount: discountOf(coupon) };
}
