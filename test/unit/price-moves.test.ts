import { describe, expect, it } from 'vitest';
import {
  effectiveAt,
  firstRenewalFrom,
  noticeDaysProblem,
  noticeStanding,
  priceForRenewal,
  toldOfMove,
  type PriceNoticeFacts,
  type RenewalPriceFacts,
} from '../../src/modules/subscriptions/domain/price-moves.js';

const sub: RenewalPriceFacts = {
  planId: 'pln_q',
  priceId: 'prc_old',
  currency: 'INR',
  pendingPlanId: null,
  pendingPriceId: null,
};
const notice = (overrides: Partial<PriceNoticeFacts> = {}): PriceNoticeFacts => ({
  planId: 'pln_q',
  currency: 'INR',
  toPriceId: 'prc_new',
  notifiedAt: '2026-11-16T06:00:00.000Z',
  effectiveAt: '2027-02-24T06:00:00.000Z',
  ...overrides,
});
const at = (iso: string) => new Date(iso);

describe('the notice a price move gives', () => {
  it('is at least 30 and at most 365 whole days', () => {
    expect(noticeDaysProblem(30)).toBeUndefined();
    expect(noticeDaysProblem(365)).toBeUndefined();
    expect(noticeDaysProblem(29)).toMatch(/at least 30 days/);
    expect(noticeDaysProblem(0)).toMatch(/at least 30 days/);
    expect(noticeDaysProblem(366)).toMatch(/at most 365/);
    expect(noticeDaysProblem(30.5)).toMatch(/whole number/);
  });

  it('lets the new price apply noticeDays after the notice was sent', () => {
    expect(effectiveAt(at('2026-11-16T06:00:00.000Z'), 100).toISOString()).toBe('2027-02-24T06:00:00.000Z');
  });
});

describe('the price a renewal charges', () => {
  it('is the old price for a renewal before the notice takes effect', () => {
    expect(priceForRenewal(sub, [notice()], at('2027-02-15T06:00:00.000Z'))).toEqual({
      priceId: 'prc_old',
      notice: null,
    });
  });

  it('is the new price from the first renewal on or after the effective moment', () => {
    expect(priceForRenewal(sub, [notice()], at('2027-02-24T06:00:00.000Z')).priceId).toBe('prc_new');
    expect(priceForRenewal(sub, [notice()], at('2027-05-15T06:00:00.000Z')).priceId).toBe('prc_new');
  });

  it('is the old price without a notice, however long ago the price changed', () => {
    expect(priceForRenewal(sub, [], at('2030-01-01T00:00:00.000Z')).priceId).toBe('prc_old');
  });

  it('is the newest notice in effect when several were sent', () => {
    const notices = [
      notice(),
      notice({
        toPriceId: 'prc_newer',
        notifiedAt: '2027-01-01T00:00:00.000Z',
        effectiveAt: '2027-03-01T00:00:00.000Z',
      }),
    ];
    expect(priceForRenewal(sub, notices, at('2027-02-25T00:00:00.000Z')).priceId).toBe('prc_new');
    expect(priceForRenewal(sub, notices, at('2027-03-01T00:00:00.000Z')).priceId).toBe('prc_newer');
  });

  it("ignores notices of another plan or currency, and yields to a plan change's price", () => {
    expect(
      priceForRenewal(sub, [notice({ planId: 'pln_other' })], at('2028-01-01T00:00:00.000Z')).priceId,
    ).toBe('prc_old');
    expect(priceForRenewal(sub, [notice({ currency: 'USD' })], at('2028-01-01T00:00:00.000Z')).priceId).toBe(
      'prc_old',
    );
    expect(
      priceForRenewal(
        { ...sub, pendingPlanId: 'pln_y', pendingPriceId: 'prc_y' },
        [notice()],
        at('2028-01-01T00:00:00.000Z'),
      ).priceId,
    ).toBe('prc_y');
  });
});

describe('the first renewal at the new price', () => {
  const quarter = { unit: 'month', count: 3 } as const;
  it('is the renewal date itself when it is on or after the effective moment', () => {
    expect(
      firstRenewalFrom(at('2027-03-01T00:00:00.000Z'), quarter, at('2027-02-24T06:00:00.000Z')).toISOString(),
    ).toBe('2027-03-01T00:00:00.000Z');
  });
  it('is a whole number of terms later otherwise, by the calendar', () => {
    expect(
      firstRenewalFrom(at('2027-02-15T06:00:00.000Z'), quarter, at('2027-02-24T06:00:00.000Z')).toISOString(),
    ).toBe('2027-05-15T06:00:00.000Z');
    expect(
      firstRenewalFrom(
        at('2027-01-31T00:00:00.000Z'),
        { unit: 'month', count: 1 },
        at('2027-02-10T00:00:00.000Z'),
      ).toISOString(),
    ).toBe('2027-02-28T00:00:00.000Z');
  });
});

describe('who a move tells', () => {
  const move = { planId: 'pln_q', priceId: 'prc_new', currency: 'INR' };
  const base = {
    status: 'active',
    planId: 'pln_q',
    priceId: 'prc_old',
    currency: 'INR',
    pendingPlanId: null,
  } as const;
  it('tells renewing subscriptions of its plan and currency on another price', () => {
    expect(toldOfMove(base, move)).toBe(true);
    expect(toldOfMove({ ...base, status: 'trialing' }, move)).toBe(true);
    expect(toldOfMove({ ...base, status: 'past_due' }, move)).toBe(true);
  });
  it('tells nobody who will not renew, is on the price already, or is on another plan or currency', () => {
    expect(toldOfMove({ ...base, status: 'canceling' }, move)).toBe(false);
    expect(toldOfMove({ ...base, status: 'expired' }, move)).toBe(false);
    expect(toldOfMove({ ...base, priceId: 'prc_new' }, move)).toBe(false);
    expect(toldOfMove({ ...base, planId: 'pln_e' }, move)).toBe(false);
    expect(toldOfMove({ ...base, currency: 'USD' }, move)).toBe(false);
    expect(toldOfMove({ ...base, pendingPlanId: 'pln_e' }, move)).toBe(false);
  });
  it('counts a told subscription as moved, left or notified', () => {
    const told = { movedAt: null, status: 'active', planId: 'pln_q', movePlanId: 'pln_q' } as const;
    expect(noticeStanding(told)).toBe('notified');
    expect(noticeStanding({ ...told, movedAt: '2027-05-15T06:00:00.000Z' })).toBe('moved');
    expect(noticeStanding({ ...told, status: 'expired' })).toBe('left');
    expect(noticeStanding({ ...told, planId: 'pln_e' })).toBe('left');
    expect(noticeStanding({ ...told, status: 'canceling' })).toBe('notified');
  });
});
