import type { Money } from '../../kernel/money.js';
import { describeDiscount, discountOf, type Coupon } from './domain.js';

const moneyJson = (value: Money) => ({ amount: value.amountMinor, currency: value.currency });

/** A coupon for the admin API; amounts in minor units. */
export function couponJson(coupon: Coupon) {
  return {
    id: coupon.id,
    code: coupon.code,
    kind: coupon.kind,
    percentOff: coupon.percentOff,
    amountOff: coupon.amountOff && moneyJson(coupon.amountOff),
    duration: coupon.duration,
    description: describeDiscount(discountOf(coupon)),
    planIds: coupon.planIds,
    expiresAt: coupon.expiresAt,
    maxRedemptions: coupon.maxRedemptions,
    redemptions: coupon.redemptions,
    reserved: coupon.reserved,
    active: coupon.active,
    createdAt: coupon.createdAt,
  };
}
