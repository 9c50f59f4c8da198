import { describe, expect, it } from 'vitest';
import {
  computeFigures,
  dailySeries,
  identityResolver,
  mrrAt,
  rangeOf,
  revenueByPlan,
  topConvertingArticles,
  type EventFact,
  type PaymentFact,
  type RefundFact,
  type CompFact,
  type SubscriptionFact,
} from '../../src/modules/analytics/domain.js';

// The fixture: the first ten days of November 2026 (UTC), with every answer worked out by hand.
const range = rangeOf('2026-11-01', '2026-11-10');
const yearly = { unit: 'year', count: 1 } as const;
const quarterly = { unit: 'month', count: 3 } as const;

function aSubscription(
  overrides: Partial<SubscriptionFact> & Pick<SubscriptionFact, 'id' | 'accountId'>,
): SubscriptionFact {
  return {
    planId: 'pln_yearly',
    planName: 'Smart Essential',
    priceMinor: 270_000,
    currency: 'INR',
    term: yearly,
    startedAt: '2026-11-03T10:00:00.000Z',
    trialEndsAt: null,
    canceledAt: null,
    endedAt: null,
    ...overrides,
  };
}

const impression = (
  readerId: string,
  articleId: string,
  at: string,
  more: Partial<EventFact> = {},
): EventFact => ({
  kind: 'paywall_impression',
  readerId,
  deviceId: readerId.startsWith('rdr_') ? readerId : null,
  accountId: readerId.startsWith('acc_') ? readerId : null,
  articleId,
  planId: null,
  at,
  ...more,
});
const checkoutStart = (accountId: string, deviceId: string | null, at: string): EventFact => ({
  kind: 'checkout_start',
  readerId: accountId,
  deviceId,
  accountId,
  articleId: null,
  planId: 'pln_yearly',
  at,
});

// Readers: rdr_a (anonymous, later signs in as acc_a and subscribes), acc_b (signed in all along,
// subscribes), rdr_c (anonymous, never subscribes), acc_d (met the paywall before the range).
const events: EventFact[] = [
  impression('acc_d', 'art_old', '2026-10-20T09:00:00.000Z'), // before the range: not counted
  impression('rdr_a', 'art_1', '2026-11-01T08:00:00.000Z'),
  impression('rdr_a', 'art_2', '2026-11-02T08:00:00.000Z'),
  impression('acc_b', 'art_2', '2026-11-02T09:00:00.000Z'),
  impression('rdr_c', 'art_1', '2026-11-02T10:00:00.000Z'),
  impression('rdr_c', 'art_1', '2026-11-04T10:00:00.000Z'),
  checkoutStart('acc_a', 'rdr_a', '2026-11-03T09:55:00.000Z'),
  checkoutStart('acc_b', null, '2026-11-03T11:55:00.000Z'),
  checkoutStart('acc_b', null, '2026-11-03T11:58:00.000Z'), // tried twice
  // after acc_b paid: not the article that led to the subscription
  impression('acc_b', 'art_1', '2026-11-05T09:00:00.000Z'),
  impression('rdr_x', 'art_9', '2026-11-11T00:00:00.000Z'), // the day after the range
];

const subscriptions: SubscriptionFact[] = [
  // Active all along: yearly ₹2,700 → ₹225 MRR.
  aSubscription({ id: 'sub_old1', accountId: 'acc_o1', startedAt: '2026-01-10T00:00:00.000Z' }),
  // Quarterly ₹900, cancelled in the range, still live at the end (canceling): ₹300 MRR.
  aSubscription({
    id: 'sub_old2',
    accountId: 'acc_o2',
    planId: 'pln_quarterly',
    planName: 'Smart Quarterly',
    priceMinor: 90_000,
    term: quarterly,
    startedAt: '2026-09-01T00:00:00.000Z',
    canceledAt: '2026-11-06T12:00:00.000Z',
  }),
  // Ended in the range after its retries ran out (no cancellation request): lost, no MRR.
  aSubscription({
    id: 'sub_old3',
    accountId: 'acc_o3',
    startedAt: '2025-11-02T00:00:00.000Z',
    endedAt: '2026-11-09T00:00:00.000Z',
  }),
  // acc_d subscribed in the range, last met the paywall on art_old (before the range).
  aSubscription({ id: 'sub_d', accountId: 'acc_d', startedAt: '2026-11-01T12:00:00.000Z' }),
  aSubscription({ id: 'sub_a', accountId: 'acc_a', startedAt: '2026-11-03T10:00:00.000Z' }),
  // acc_b is in a free trial at the end: a subscriber, but no MRR yet.
  aSubscription({
    id: 'sub_b',
    accountId: 'acc_b',
    startedAt: '2026-11-03T12:00:00.000Z',
    trialEndsAt: '2026-11-17T12:00:00.000Z',
  }),
];

const payments: PaymentFact[] = [
  {
    id: 'pay_d',
    accountId: 'acc_d',
    planId: 'pln_yearly',
    amountMinor: 270_000,
    currency: 'INR',
    at: '2026-11-01T12:00:00.000Z',
  },
  {
    id: 'pay_a',
    accountId: 'acc_a',
    planId: 'pln_yearly',
    amountMinor: 270_000,
    currency: 'INR',
    at: '2026-11-03T10:00:00.000Z',
  },
  {
    id: 'pay_o2',
    accountId: 'acc_o2',
    planId: 'pln_quarterly',
    amountMinor: 90_000,
    currency: 'INR',
    at: '2026-11-01T00:00:00.000Z',
  },
];
const refunds: RefundFact[] = [
  // Partial refund of pay_d, its plan found through the payment.
  {
    id: 'rfd_1',
    paymentId: 'pay_d',
    accountId: 'acc_d',
    planId: null,
    amountMinor: 50_000,
    currency: 'INR',
    at: '2026-11-05T00:00:00.000Z',
  },
  // Outside the range: not counted.
  {
    id: 'rfd_2',
    paymentId: 'pay_a',
    accountId: 'acc_a',
    planId: 'pln_yearly',
    amountMinor: 1_000,
    currency: 'INR',
    at: '2026-11-12T00:00:00.000Z',
  },
];
const comps: CompFact[] = [
  {
    id: 'cmp_1',
    accountId: 'acc_c',
    planId: null,
    benefits: ['premium-stories'],
    startsAt: '2026-11-04T00:00:00.000Z',
    endsAt: '2026-12-04T00:00:00.000Z',
    grantedAt: '2026-11-04T00:00:00.000Z',
  },
  {
    id: 'cmp_2',
    accountId: 'acc_e',
    planId: 'pln_yearly',
    benefits: [],
    startsAt: '2026-10-01T00:00:00.000Z',
    endsAt: '2026-11-30T00:00:00.000Z',
    grantedAt: '2026-10-01T00:00:00.000Z',
  },
];

const figures = computeFigures({ range, events, subscriptions, payments, refunds, comps, currency: 'INR' });

describe('analytics figures, against a fixture with known answers', () => {
  it('counts paywall impressions and checkout starts inside the range only', () => {
    expect(figures.paywallImpressions).toBe(6);
    expect(figures.checkoutsStarted).toBe(3);
  });

  it('new subscriptions are the subscriptions opened in the range', () => {
    expect(figures.newSubscriptions).toBe(3); // sub_d, sub_a, sub_b
  });

  it('conversion is new subscriptions ÷ distinct readers at the paywall, a device folded into its account', () => {
    // rdr_a is acc_a (it signed in on that device to pay); so the readers are acc_a, acc_b, rdr_c.
    expect(figures.readersAtPaywall).toBe(3);
    expect(figures.conversionRate).toBe(1);
  });

  it('active subscribers: live at the end of the range, trials included', () => {
    // sub_old1, sub_old2 (canceling), sub_d, sub_a, sub_b; sub_old3 ended.
    expect(figures.activeSubscribers).toBe(5);
  });

  it('churn is cancellations (requests, or ends without one) ÷ subscribers active at the start', () => {
    expect(figures.activeSubscribersAtStart).toBe(3); // sub_old1, sub_old2, sub_old3
    expect(figures.cancellations).toBe(2); // sub_old2 asked; sub_old3 ran out
    expect(figures.churnRate).toBeCloseTo(2 / 3, 10);
  });

  it('MRR: a ₹2,700 yearly plan is ₹225 a month, a ₹900 quarter ₹300; trials and ended ones nothing; ARR is 12×', () => {
    // sub_old1 22500 + sub_old2 30000 + sub_d 22500 + sub_a 22500 = 97500 paise.
    expect(figures.mrr).toEqual({ amount: 97_500, currency: 'INR' });
    expect(figures.arr).toEqual({ amount: 1_170_000, currency: 'INR' });
  });

  it('a comp contributes nothing to MRR, and comps granted are counted in the range', () => {
    expect(figures.compsGranted).toBe(1);
    expect(
      mrrAt(
        [aSubscription({ id: 'sub_x', accountId: 'acc_x', startedAt: '2026-11-01T00:00:00.000Z' })],
        range.end,
        'INR',
      ),
    ).toEqual({
      amount: 22_500,
      currency: 'INR',
    });
  });

  it('revenue by plan is succeeded payments less refunds in the range', () => {
    expect(figures.revenueByPlan).toEqual([
      {
        planId: 'pln_yearly',
        planName: 'Smart Essential',
        payments: 2,
        gross: { amount: 540_000, currency: 'INR' },
        refunded: { amount: 50_000, currency: 'INR' },
        net: { amount: 490_000, currency: 'INR' },
      },
      {
        planId: 'pln_quarterly',
        planName: 'Smart Quarterly',
        payments: 1,
        gross: { amount: 90_000, currency: 'INR' },
        refunded: { amount: 0, currency: 'INR' },
        net: { amount: 90_000, currency: 'INR' },
      },
    ]);
    expect(figures.refunds).toEqual({ count: 1, total: { amount: 50_000, currency: 'INR' } });
  });

  it("top converting articles: each new subscriber's last paywall before paying", () => {
    // acc_d → art_old (before the range still counts), acc_a → art_2 (as rdr_a), acc_b → art_2.
    expect(figures.topConvertingArticles).toEqual([
      { articleId: 'art_2', subscriptions: 2 },
      { articleId: 'art_old', subscriptions: 1 },
    ]);
  });

  it('the daily series has one row per day, zeros included', () => {
    expect(figures.daily).toHaveLength(10);
    expect(figures.daily[0]).toEqual({
      date: '2026-11-01',
      paywallImpressions: 1,
      checkoutsStarted: 0,
      newSubscriptions: 1,
    });
    expect(figures.daily[1]).toEqual({
      date: '2026-11-02',
      paywallImpressions: 3,
      checkoutsStarted: 0,
      newSubscriptions: 0,
    });
    expect(figures.daily[2]).toEqual({
      date: '2026-11-03',
      paywallImpressions: 0,
      checkoutsStarted: 3,
      newSubscriptions: 2,
    });
    expect(figures.daily[9]).toEqual({
      date: '2026-11-10',
      paywallImpressions: 0,
      checkoutsStarted: 0,
      newSubscriptions: 0,
    });
    expect(dailySeries(events, subscriptions, range).reduce((n, d) => n + d.paywallImpressions, 0)).toBe(6);
  });

  it('without refunds or comps reported, those figures are null and revenue is gross', () => {
    const bare = computeFigures({ range, events, subscriptions, payments, currency: 'INR' });
    expect(bare.refunds).toBeNull();
    expect(bare.compsGranted).toBeNull();
    expect(revenueByPlan(payments, [], new Map(), range, 'INR')[0]?.net.amount).toBe(540_000);
  });

  it('an empty range answers zeros and no rates, not NaN', () => {
    const empty = computeFigures({ range, events: [], subscriptions: [], payments: [], currency: 'INR' });
    expect(empty).toMatchObject({
      paywallImpressions: 0,
      conversionRate: null,
      churnRate: null,
      mrr: { amount: 0, currency: 'INR' },
      topConvertingArticles: [],
    });
  });

  it('a device is the account last signed in on it', () => {
    const personOf = identityResolver(events);
    expect(personOf('rdr_a')).toBe('acc_a');
    expect(personOf('rdr_c')).toBe('rdr_c');
    expect(topConvertingArticles(events, [], range)).toEqual([]);
  });
});
