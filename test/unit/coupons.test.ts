import { describe, expect, it } from 'vitest';
import { money } from '../../src/kernel/money.js';
import {
  applyDiscount,
  appliesToRenewals,
  describeDiscount,
  discountJson,
  parseDiscount,
  type Discount,
} from '../../src/modules/coupons/index.js';
import { quoteCoupon, type Coupon } from '../../src/modules/coupons/domain.js';

const percent = (percentOff: number, duration: Discount['duration'] = 'once'): Discount => ({
  couponId: 'cpn_test',
  code: 'WELCOME',
  kind: 'percent',
  percentOff,
  amountOff: null,
  duration,
});

const amount = (
  amountMinor: number,
  currency = 'INR',
  duration: Discount['duration'] = 'forever',
): Discount => ({
  couponId: 'cpn_test',
  code: 'FLAT100',
  kind: 'amount',
  percentOff: null,
  amountOff: money(amountMinor, currency),
  duration,
});

describe('applyDiscount', () => {
  it('leaves the price alone without a discount', () => {
    expect(applyDiscount(money(90_000, 'INR'), null)).toEqual(money(90_000, 'INR'));
  });

  it('takes a percentage off a round price exactly', () => {
    expect(applyDiscount(money(270_000, 'INR'), percent(20))).toEqual(money(216_000, 'INR'));
  });

  it('rounds a percentage discount down to the paisa, so the reader pays the remainder', () => {
    // 15% of 9,999 paise is 1,499.85 paise: 1,499 off, 8,500 due.
    expect(applyDiscount(money(9_999, 'INR'), percent(15))).toEqual(money(8_500, 'INR'));
    // 33% of 1 paisa is 0.33: nothing off.
    expect(applyDiscount(money(1, 'INR'), percent(33))).toEqual(money(1, 'INR'));
    // 50% of 3 yen is 1.5: 1 off.
    expect(applyDiscount(money(3, 'JPY'), percent(50))).toEqual(money(2, 'JPY'));
  });

  it('is exact for amounts whose product with the percentage passes 2^53', () => {
    const price = money(Number.MAX_SAFE_INTEGER, 'INR');
    // floor(9007199254740991 × 10 / 100) = 900719925474099.
    expect(applyDiscount(price, percent(10))).toEqual(
      money(Number.MAX_SAFE_INTEGER - 900_719_925_474_099, 'INR'),
    );
  });

  it('makes the price zero at 100%', () => {
    expect(applyDiscount(money(390_000, 'INR'), percent(100))).toEqual(money(0, 'INR'));
  });

  it('takes a fixed amount off, and never goes below zero', () => {
    expect(applyDiscount(money(90_000, 'INR'), amount(10_000))).toEqual(money(80_000, 'INR'));
    expect(applyDiscount(money(90_000, 'INR'), amount(90_000))).toEqual(money(0, 'INR'));
    expect(applyDiscount(money(90_000, 'INR'), amount(500_000))).toEqual(money(0, 'INR'));
  });

  it('refuses, as a bug, an amount in another currency than the price', () => {
    expect(() => applyDiscount(money(1_000, 'USD'), amount(100, 'INR'))).toThrow(RangeError);
  });

  it('refuses, as a bug, a percentage outside 1–100', () => {
    expect(() => applyDiscount(money(1_000, 'INR'), percent(0))).toThrow(RangeError);
    expect(() => applyDiscount(money(1_000, 'INR'), percent(101))).toThrow(RangeError);
    expect(() => applyDiscount(money(1_000, 'INR'), percent(12.5))).toThrow(RangeError);
  });
});

describe('discount snapshots', () => {
  it('round-trips both kinds through JSON', () => {
    for (const discount of [percent(20), amount(10_000, 'USD', 'once')]) {
      const json = discountJson(discount);
      expect(JSON.parse(json)).toBeTypeOf('object');
      expect(parseDiscount(json)).toEqual(discount);
    }
  });

  it('reads null as no discount', () => {
    expect(parseDiscount(null)).toBeNull();
  });

  it('throws on a corrupt stored value instead of dropping it', () => {
    expect(() => parseDiscount('{not json')).toThrow(/not JSON/);
    expect(() => parseDiscount('{}')).toThrow(/corrupt/);
    const good = JSON.parse(discountJson(percent(20))) as Record<string, unknown>;
    expect(() => parseDiscount(JSON.stringify({ ...good, percentOff: 120 }))).toThrow(/corrupt/);
    // A percent discount that also carries an amount is inconsistent.
    expect(() =>
      parseDiscount(JSON.stringify({ ...good, amountOff: { amountMinor: 100, currency: 'INR' } })),
    ).toThrow(/corrupt/);
    expect(() =>
      parseDiscount(
        JSON.stringify({
          ...JSON.parse(discountJson(amount(100))),
          amountOff: { amountMinor: 100, currency: 'XYZ' },
        }),
      ),
    ).toThrow(/corrupt/);
  });

  it('says whether renewals are discounted too', () => {
    expect(appliesToRenewals(percent(20, 'once'))).toBe(false);
    expect(appliesToRenewals(percent(20, 'forever'))).toBe(true);
    expect(appliesToRenewals(null)).toBe(false);
  });
});

describe('describeDiscount', () => {
  it('describes a percentage for the first term', () => {
    expect(describeDiscount(percent(20, 'once'))).toBe('20% off the first term');
  });

  it('describes a fixed amount for every term, formatted in its currency', () => {
    expect(describeDiscount(amount(10_000, 'INR', 'forever'))).toBe('₹100 off every term');
    expect(describeDiscount(amount(1_050, 'USD', 'once'))).toBe('$10.50 off the first term');
  });
});

describe('quoteCoupon', () => {
  const coupon: Coupon = {
    id: 'cpn_q',
    code: 'NOV20',
    kind: 'percent',
    percentOff: 20,
    amountOff: null,
    duration: 'once',
    planIds: null,
    expiresAt: '2026-11-30T18:30:00.000Z',
    maxRedemptions: 10,
    redemptions: 0,
    reserved: 0,
    active: true,
    createdAt: '2026-11-01T00:00:00.000Z',
  };
  const context = {
    code: 'nov20',
    planId: 'pln_a',
    price: money(90_000, 'INR'),
    now: new Date('2026-11-15T06:00:00Z'),
    alreadyUsed: false,
    timeZone: 'Asia/Kolkata',
  };

  it('tells the expiry date in the publication’s time zone', () => {
    const refused = quoteCoupon(coupon, { ...context, now: new Date('2026-12-05T00:00:00Z') });
    // 18:30 UTC on 30 Nov is midnight on 1 Dec in India.
    expect(refused).toEqual({ ok: false, reason: 'expired', message: 'This code expired on 1 Dec 2026.' });
    expect(
      quoteCoupon(coupon, { ...context, now: new Date('2026-12-05T00:00:00Z'), timeZone: 'UTC' }),
    ).toMatchObject({ message: 'This code expired on 30 Nov 2026.' });
  });

  it('counts a coupon as expired from the instant of its expiry', () => {
    expect(quoteCoupon(coupon, { ...context, now: new Date(coupon.expiresAt!) })).toMatchObject({
      reason: 'expired',
    });
    expect(quoteCoupon(coupon, { ...context, now: new Date(Date.parse(coupon.expiresAt!) - 1) }).ok).toBe(
      true,
    );
  });

  it('does not echo back something that cannot be a code', () => {
    expect(quoteCoupon(undefined, { ...context, code: 'nope!' })).toMatchObject({
      reason: 'unknown',
      message: 'There is no code. Check it and try again.',
    });
    expect(quoteCoupon(undefined, { ...context, code: ' spring ' })).toMatchObject({
      message: 'There is no code “SPRING”. Check it and try again.',
    });
  });
});
