import { describe, expect, it } from 'vitest';
import {
  decideAccess,
  decideBenefit,
  UNLIMITED_STORIES,
  type AccessRequest,
} from '../../src/modules/paywall/index.js';

const anonymous = new Set<string>();
const subscriber = new Set([UNLIMITED_STORIES]);

function ask(overrides: Partial<AccessRequest> & { access: AccessRequest['article']['access'] }) {
  const { access, ...rest } = overrides;
  return decideAccess({
    article: { access },
    entitlements: anonymous,
    verifiedCrawler: false,
    meter: { limit: 5, used: 0, alreadyRead: false },
    ...rest,
  });
}

describe('access decision', () => {
  it('grants free articles without counting them', () => {
    expect(ask({ access: 'free', meter: { limit: 5, used: 5, alreadyRead: false } })).toEqual({
      granted: true,
      reason: 'free',
      consumesRead: false,
    });
  });

  it('grants a metered article on the meter and counts it', () => {
    expect(ask({ access: 'metered', meter: { limit: 5, used: 4, alreadyRead: false } })).toEqual({
      granted: true,
      reason: 'metered',
      consumesRead: true,
    });
  });

  it('refuses a new metered article once the meter is used up', () => {
    expect(ask({ access: 'metered', meter: { limit: 5, used: 5, alreadyRead: false } })).toEqual({
      granted: false,
      reason: 'limit_reached',
    });
  });

  it('lets a reader reread an article already counted this period, for free', () => {
    expect(ask({ access: 'metered', meter: { limit: 5, used: 5, alreadyRead: true } })).toEqual({
      granted: true,
      reason: 'metered',
      consumesRead: false,
    });
  });

  it('refuses everything metered when the limit is zero', () => {
    expect(ask({ access: 'metered', meter: { limit: 0, used: 0, alreadyRead: false } })).toMatchObject({
      granted: false,
    });
  });

  it('refuses premium articles to non-subscribers, meter or not', () => {
    expect(ask({ access: 'premium' })).toEqual({ granted: false, reason: 'premium' });
    expect(ask({ access: 'premium', meter: { limit: 5, used: 0, alreadyRead: true } })).toEqual({
      granted: false,
      reason: 'premium',
    });
  });

  it('grants subscribers everything without touching the meter', () => {
    for (const access of ['metered', 'premium'] as const) {
      expect(
        ask({ access, entitlements: subscriber, meter: { limit: 5, used: 5, alreadyRead: false } }),
      ).toEqual({
        granted: true,
        reason: 'subscriber',
        consumesRead: false,
      });
    }
  });

  it('grants verified crawlers full text without counting', () => {
    for (const access of ['metered', 'premium'] as const) {
      expect(
        ask({ access, verifiedCrawler: true, meter: { limit: 5, used: 5, alreadyRead: false } }),
      ).toEqual({
        granted: true,
        reason: 'crawler',
        consumesRead: false,
      });
    }
  });

  it('ignores entitlements that do not unlock stories', () => {
    expect(ask({ access: 'premium', entitlements: new Set(['epaper', 'newsletters']) })).toEqual({
      granted: false,
      reason: 'premium',
    });
  });
});

describe('decideBenefit', () => {
  it('grants a benefit the subscription includes', () => {
    expect(decideBenefit({ benefit: 'epaper', entitlements: new Set(['epaper', 'ad-free']) })).toEqual({
      granted: true,
    });
  });

  it('refuses a benefit the subscription lacks, naming it', () => {
    expect(decideBenefit({ benefit: 'epaper', entitlements: subscriber })).toEqual({
      granted: false,
      reason: 'subscription_required',
      benefit: 'epaper',
    });
    expect(decideBenefit({ benefit: 'ad-free', entitlements: anonymous }).granted).toBe(false);
  });
});
