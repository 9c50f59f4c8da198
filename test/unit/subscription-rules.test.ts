import { describe, expect, it } from 'vitest';
import { money } from '../../src/kernel/money.js';
import {
  chargeableAt,
  defaultBillingPolicy,
  graceEndsAt,
  nextRetry,
} from '../../src/modules/subscriptions/domain/dunning.js';
import { entitlementsAt } from '../../src/modules/subscriptions/domain/entitlements.js';
import { planChange, unusedCredit } from '../../src/modules/subscriptions/domain/proration.js';
import { addDays, addTerm } from '../../src/modules/subscriptions/domain/terms.js';

const at = (iso: string) => new Date(iso);

describe('terms', () => {
  it('a year from 15 November is 15 November next year, at the same time', () => {
    expect(addTerm(at('2026-11-15T06:00:00Z'), { unit: 'year', count: 1 }).toISOString()).toBe(
      '2027-11-15T06:00:00.000Z',
    );
  });

  it('three months and two years', () => {
    expect(addTerm(at('2026-11-15T06:00:00Z'), { unit: 'month', count: 3 }).toISOString()).toBe(
      '2027-02-15T06:00:00.000Z',
    );
    expect(addTerm(at('2026-11-15T06:00:00Z'), { unit: 'year', count: 2 }).toISOString()).toBe(
      '2028-11-15T06:00:00.000Z',
    );
  });

  it('a month from 31 January is the last day of February (leap years too)', () => {
    expect(addTerm(at('2027-01-31T10:00:00Z'), { unit: 'month', count: 1 }).toISOString()).toBe(
      '2027-02-28T10:00:00.000Z',
    );
    expect(addTerm(at('2028-01-31T10:00:00Z'), { unit: 'month', count: 1 }).toISOString()).toBe(
      '2028-02-29T10:00:00.000Z',
    );
    expect(addTerm(at('2028-02-29T10:00:00Z'), { unit: 'year', count: 1 }).toISOString()).toBe(
      '2029-02-28T10:00:00.000Z',
    );
  });

  it('counts several terms from the same anchor', () => {
    expect(addTerm(at('2026-08-31T00:00:00Z'), { unit: 'month', count: 3 }, 2).toISOString()).toBe(
      '2027-02-28T00:00:00.000Z',
    );
  });
});

describe('proration', () => {
  const period = { start: at('2026-01-01T00:00:00Z'), end: at('2027-01-01T00:00:00Z') };

  it('credits the unused part of the term, rounded down to the paisa', () => {
    // 365 days; 100 days left.
    const credit = unusedCredit(money(270_000, 'INR'), period, addDays(period.end, -100));
    expect(credit).toEqual(money(Math.floor((270_000 * 100) / 365), 'INR'));
  });

  it('credits everything at the start, nothing at or after the end', () => {
    expect(unusedCredit(money(90_000, 'INR'), period, period.start).amountMinor).toBe(90_000);
    expect(unusedCredit(money(90_000, 'INR'), period, period.end).amountMinor).toBe(0);
    expect(unusedCredit(money(90_000, 'INR'), period, addDays(period.end, 3)).amountMinor).toBe(0);
    expect(unusedCredit(money(90_000, 'INR'), period, addDays(period.start, -3)).amountMinor).toBe(90_000);
  });

  it('is exact for large amounts (no floating point)', () => {
    const credit = unusedCredit(money(9_007_199_254_740, 'INR'), period, addDays(period.start, 1));
    expect(Number.isSafeInteger(credit.amountMinor)).toBe(true);
    expect(credit.amountMinor).toBe(
      Number((9_007_199_254_740n * BigInt(364 * 86_400_000)) / BigInt(365 * 86_400_000)),
    );
  });

  it('an upgrade charges the new price less the credit; a cheaper plan waits for renewal', () => {
    const quarterly = { start: at('2026-11-15T00:00:00Z'), end: at('2027-02-15T00:00:00Z') };
    const halfway = new Date((quarterly.start.getTime() + quarterly.end.getTime()) / 2);
    const up = planChange({
      currentPrice: money(90_000, 'INR'),
      paidForTerm: money(90_000, 'INR'),
      newPrice: money(270_000, 'INR'),
      period: quarterly,
      at: halfway,
    });
    expect(up).toEqual({ kind: 'upgrade', credit: money(45_000, 'INR'), due: money(225_000, 'INR') });
    expect(
      planChange({
        currentPrice: money(270_000, 'INR'),
        paidForTerm: money(270_000, 'INR'),
        newPrice: money(90_000, 'INR'),
        period: quarterly,
        at: halfway,
      }),
    ).toEqual({ kind: 'downgrade' });
  });

  it('never charges less than nothing', () => {
    const change = planChange({
      currentPrice: money(90_000, 'INR'),
      paidForTerm: money(500_000, 'INR'),
      newPrice: money(100_000, 'INR'),
      period,
      at: period.start,
    });
    expect(change).toMatchObject({ kind: 'upgrade', due: money(0, 'INR') });
  });
});

describe('reminders, retries and grace', () => {
  const policy = defaultBillingPolicy;
  const renewsAt = at('2027-11-15T06:00:00Z');

  it('charges on the renewal date when the reminder went out days before', () => {
    expect(chargeableAt(renewsAt, addDays(renewsAt, -3), policy)).toEqual(renewsAt);
  });

  it('waits 24 hours after a late reminder, and does not charge without one', () => {
    const late = new Date(renewsAt.getTime() - 2 * 3_600_000);
    expect(chargeableAt(renewsAt, late, policy)).toEqual(new Date(late.getTime() + 24 * 3_600_000));
    expect(chargeableAt(renewsAt, null, policy)).toBeNull();
  });

  it('retries after 1, 3 and 5 days, then gives up', () => {
    expect(nextRetry(renewsAt, 1, policy)).toEqual({ retryAt: addDays(renewsAt, 1) });
    expect(nextRetry(renewsAt, 2, policy)).toEqual({ retryAt: addDays(renewsAt, 3) });
    expect(nextRetry(renewsAt, 3, policy)).toEqual({ retryAt: addDays(renewsAt, 5) });
    expect(nextRetry(renewsAt, 4, policy)).toEqual({ expire: true });
  });

  it('keeps access for 7 days after a renewal date that was not paid', () => {
    expect(graceEndsAt(renewsAt, policy)).toEqual(addDays(renewsAt, 7));
  });
});

describe('entitlements', () => {
  const periodEnd = at('2027-11-15T06:00:00Z');
  const subscription = (status: 'trialing' | 'active' | 'past_due' | 'canceling' | 'expired') => ({
    status,
    periodEnd,
    graceEndsAt: addDays(periodEnd, 7),
    benefits: ['premium-stories', 'epaper'],
  });
  const before = addDays(periodEnd, -1);
  const inGrace = addDays(periodEnd, 2);
  const afterGrace = addDays(periodEnd, 8);

  it('a live subscription grants its plan’s benefits', () => {
    for (const status of ['trialing', 'active', 'past_due', 'canceling'] as const) {
      expect([...entitlementsAt(subscription(status), before)]).toEqual(['premium-stories', 'epaper']);
    }
  });

  it('a cancelled one stops at the end of the paid term; others carry on through the grace period', () => {
    expect(entitlementsAt(subscription('canceling'), inGrace).size).toBe(0);
    expect(entitlementsAt(subscription('past_due'), inGrace).size).toBe(2);
    expect(entitlementsAt(subscription('active'), inGrace).size).toBe(2);
  });

  it('nothing after the grace period, even if the sweep has not run; nothing when ended or absent', () => {
    expect(entitlementsAt(subscription('active'), afterGrace).size).toBe(0);
    expect(entitlementsAt(subscription('expired'), before).size).toBe(0);
    expect(entitlementsAt(null, before).size).toBe(0);
  });
});
