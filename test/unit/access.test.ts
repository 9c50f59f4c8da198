import { describe, expect, it } from 'vitest';
import {
  ARCHIVES,
  decideAccess,
  decideBenefit,
  isArchived,
  UNLIMITED_STORIES,
  type AccessRequest,
} from '../../src/modules/paywall/index.js';

const anonymous = new Set<string>();
const subscriber = new Set([UNLIMITED_STORIES]);
const now = Date.parse('2026-11-15T06:00:00.000Z');
const recent = '2026-11-10T06:00:00.000Z';
const old = '2001-03-01T06:00:00.000Z';
const MARKETS = 'market-analysis';
const EPAPER = 'epaper';

function ask(
  overrides: Partial<AccessRequest> & {
    access: AccessRequest['article']['access'];
    publishedAt?: string;
    requiredBenefit?: string | null;
    /** The benefit the article itself names. */
    benefit?: string | null;
  },
) {
  const { access, publishedAt = recent, requiredBenefit = null, benefit = null, ...rest } = overrides;
  return decideAccess({
    article: { access, publishedAt, requiredBenefit, benefit },
    entitlements: anonymous,
    verifiedCrawler: false,
    countsOnMeter: true,
    meter: { limit: 5, used: 0, alreadyRead: false },
    now,
    archiveFreeDays: 30,
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
      requires: [UNLIMITED_STORIES],
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
    expect(ask({ access: 'premium' })).toEqual({
      granted: false,
      reason: 'premium',
      requires: [UNLIMITED_STORIES],
    });
    expect(ask({ access: 'premium', meter: { limit: 5, used: 0, alreadyRead: true } })).toEqual({
      granted: false,
      reason: 'premium',
      requires: [UNLIMITED_STORIES],
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
      requires: [UNLIMITED_STORIES],
    });
  });
});

describe('access decision: premium verticals', () => {
  it('refuses a metered or premium article of a vertical to a reader without its benefit, naming it', () => {
    for (const access of ['metered', 'premium'] as const) {
      for (const entitlements of [anonymous, subscriber]) {
        expect(ask({ access, requiredBenefit: MARKETS, entitlements })).toEqual({
          granted: false,
          reason: 'vertical',
          requires: [MARKETS],
        });
      }
    }
  });

  it('does not open a vertical article on the meter, even with reads left', () => {
    expect(
      ask({ access: 'metered', requiredBenefit: MARKETS, meter: { limit: 5, used: 0, alreadyRead: true } }),
    ).toMatchObject({ granted: false, reason: 'vertical' });
  });

  it("grants the vertical's metered and premium articles to its benefit alone, without the meter", () => {
    for (const access of ['metered', 'premium'] as const) {
      expect(
        ask({
          access,
          requiredBenefit: MARKETS,
          entitlements: new Set([MARKETS]),
          meter: { limit: 0, used: 0, alreadyRead: false },
        }),
      ).toEqual({ granted: true, reason: 'subscriber', consumesRead: false });
    }
  });

  it('keeps a free article of a vertical free: the sample an editor gives away', () => {
    expect(ask({ access: 'free', requiredBenefit: MARKETS })).toEqual({
      granted: true,
      reason: 'free',
      consumesRead: false,
    });
  });

  it('lets a verified crawler read a vertical', () => {
    expect(ask({ access: 'premium', requiredBenefit: MARKETS, verifiedCrawler: true })).toMatchObject({
      granted: true,
      reason: 'crawler',
    });
  });
});

describe('access decision: an article that names a benefit', () => {
  it('refuses it to a reader without the benefit, subscriber or not, naming it as a vertical does', () => {
    for (const access of ['metered', 'premium'] as const) {
      for (const entitlements of [anonymous, subscriber, new Set([UNLIMITED_STORIES, MARKETS])]) {
        expect(ask({ access, benefit: EPAPER, entitlements })).toEqual({
          granted: false,
          reason: 'vertical',
          requires: [EPAPER],
        });
      }
    }
  });

  it('does not open it on the meter, even with reads left or read before', () => {
    for (const alreadyRead of [false, true]) {
      expect(
        ask({ access: 'metered', benefit: EPAPER, meter: { limit: 5, used: 0, alreadyRead } }),
      ).toMatchObject({ granted: false, reason: 'vertical', requires: [EPAPER] });
    }
  });

  it('grants it to the benefit alone, without premium-stories and without counting a read', () => {
    for (const access of ['metered', 'premium'] as const) {
      expect(
        ask({
          access,
          benefit: EPAPER,
          entitlements: new Set([EPAPER]),
          meter: { limit: 0, used: 0, alreadyRead: false },
        }),
      ).toEqual({ granted: true, reason: 'subscriber', consumesRead: false });
    }
  });

  it('keeps it free when its access is free, and lets a verified crawler read it', () => {
    expect(ask({ access: 'free', benefit: EPAPER, requiredBenefit: MARKETS, publishedAt: old })).toEqual({
      granted: true,
      reason: 'free',
      consumesRead: false,
    });
    expect(ask({ access: 'premium', benefit: EPAPER, verifiedCrawler: true })).toEqual({
      granted: true,
      reason: 'crawler',
      consumesRead: false,
    });
  });

  it("needs both its section's benefit and its own, naming every one missing, the section's first", () => {
    expect(ask({ access: 'premium', requiredBenefit: MARKETS, benefit: EPAPER })).toEqual({
      granted: false,
      reason: 'vertical',
      requires: [MARKETS, EPAPER],
    });
    expect(
      ask({ access: 'metered', requiredBenefit: MARKETS, benefit: EPAPER, entitlements: new Set([MARKETS]) }),
    ).toEqual({ granted: false, reason: 'vertical', requires: [EPAPER] });
    expect(
      ask({ access: 'metered', requiredBenefit: MARKETS, benefit: EPAPER, entitlements: new Set([EPAPER]) }),
    ).toEqual({ granted: false, reason: 'vertical', requires: [MARKETS] });
    expect(
      ask({
        access: 'premium',
        requiredBenefit: MARKETS,
        benefit: EPAPER,
        entitlements: new Set([MARKETS, EPAPER]),
      }),
    ).toEqual({ granted: true, reason: 'subscriber', consumesRead: false });
  });

  it('names a benefit the section and the article both require once', () => {
    expect(ask({ access: 'premium', requiredBenefit: MARKETS, benefit: MARKETS })).toEqual({
      granted: false,
      reason: 'vertical',
      requires: [MARKETS],
    });
  });

  it('needs archives too once it is older than the free window, naming its benefit first', () => {
    expect(ask({ access: 'metered', benefit: EPAPER, publishedAt: old })).toEqual({
      granted: false,
      reason: 'vertical',
      requires: [EPAPER, ARCHIVES],
    });
    expect(
      ask({ access: 'metered', benefit: EPAPER, publishedAt: old, entitlements: new Set([EPAPER]) }),
    ).toEqual({ granted: false, reason: 'archive', requires: [ARCHIVES] });
    expect(
      ask({
        access: 'premium',
        benefit: EPAPER,
        publishedAt: old,
        entitlements: new Set([EPAPER, ARCHIVES]),
      }),
    ).toEqual({ granted: true, reason: 'subscriber', consumesRead: false });
  });

  it('asks for archives once when the article itself names it, recent or old', () => {
    for (const publishedAt of [recent, old]) {
      expect(ask({ access: 'metered', benefit: ARCHIVES, publishedAt, entitlements: subscriber })).toEqual({
        granted: false,
        reason: 'vertical',
        requires: [ARCHIVES],
      });
      expect(
        ask({ access: 'metered', benefit: ARCHIVES, publishedAt, entitlements: new Set([ARCHIVES]) }),
      ).toEqual({ granted: true, reason: 'subscriber', consumesRead: false });
    }
  });

  it('treats an absent benefit as none, and still answers a premium refusal with the one frozen list', () => {
    const article = { access: 'premium' as const, publishedAt: recent, requiredBenefit: null };
    const without = ask({ access: 'premium' });
    const absent = decideAccess({
      article,
      entitlements: anonymous,
      verifiedCrawler: false,
      meter: { limit: 5, used: 5, alreadyRead: false },
      now,
      archiveFreeDays: 30,
      countsOnMeter: true,
    });
    expect(absent).toEqual({ granted: false, reason: 'premium', requires: [UNLIMITED_STORIES] });
    // Shared by every refusal of a premium story: nothing is allocated for it.
    if (absent.granted || without.granted) throw new Error('expected refusals');
    expect(absent.requires).toBe(without.requires);
    expect(Object.isFrozen(absent.requires)).toBe(true);
  });
});

describe('access decision: the archive', () => {
  it('counts an article as archived once it is older than the free window', () => {
    const day = 86_400_000;
    expect(isArchived(new Date(now - 30 * day).toISOString(), now, 30)).toBe(false);
    expect(isArchived(new Date(now - 30 * day - 1).toISOString(), now, 30)).toBe(true);
    expect(isArchived(new Date(now - 1).toISOString(), now, 0)).toBe(true);
    expect(isArchived(new Date(now).toISOString(), now, 0)).toBe(false);
  });

  it('refuses an old metered article to readers without archives, meter or subscription', () => {
    for (const entitlements of [anonymous, subscriber]) {
      expect(ask({ access: 'metered', publishedAt: old, entitlements })).toEqual({
        granted: false,
        reason: 'archive',
        requires: [ARCHIVES],
      });
    }
    expect(
      ask({ access: 'metered', publishedAt: old, meter: { limit: 5, used: 0, alreadyRead: true } }),
    ).toMatchObject({ granted: false, reason: 'archive' });
  });

  it('opens an old metered article with archives as a new one opens: to the meter or a subscription', () => {
    const archives = new Set([ARCHIVES]);
    expect(ask({ access: 'metered', publishedAt: old, entitlements: archives })).toEqual({
      granted: true,
      reason: 'metered',
      consumesRead: true,
    });
    expect(
      ask({
        access: 'metered',
        publishedAt: old,
        entitlements: archives,
        meter: { limit: 5, used: 5, alreadyRead: false },
      }),
    ).toEqual({ granted: false, reason: 'limit_reached', requires: [UNLIMITED_STORIES] });
    expect(
      ask({ access: 'metered', publishedAt: old, entitlements: new Set([ARCHIVES, UNLIMITED_STORIES]) }),
    ).toEqual({ granted: true, reason: 'subscriber', consumesRead: false });
  });

  it('names everything an old premium story needs', () => {
    expect(ask({ access: 'premium', publishedAt: old })).toEqual({
      granted: false,
      reason: 'archive',
      requires: [ARCHIVES, UNLIMITED_STORIES],
    });
    expect(ask({ access: 'premium', publishedAt: old, entitlements: subscriber })).toEqual({
      granted: false,
      reason: 'archive',
      requires: [ARCHIVES],
    });
    expect(ask({ access: 'premium', publishedAt: old, entitlements: new Set([ARCHIVES]) })).toEqual({
      granted: false,
      reason: 'premium',
      requires: [UNLIMITED_STORIES],
    });
    expect(
      ask({ access: 'premium', publishedAt: old, entitlements: new Set([ARCHIVES, UNLIMITED_STORIES]) }),
    ).toMatchObject({ granted: true, reason: 'subscriber' });
  });

  it('keeps old free articles free and lets verified crawlers read the archive', () => {
    expect(ask({ access: 'free', publishedAt: old })).toMatchObject({ granted: true, reason: 'free' });
    expect(ask({ access: 'premium', publishedAt: old, verifiedCrawler: true })).toMatchObject({
      granted: true,
      reason: 'crawler',
    });
  });

  it('follows the configured window', () => {
    const tenDaysOld = new Date(now - 10 * 86_400_000).toISOString();
    expect(ask({ access: 'metered', publishedAt: tenDaysOld, archiveFreeDays: 30 }).granted).toBe(true);
    expect(ask({ access: 'metered', publishedAt: tenDaysOld, archiveFreeDays: 7 })).toMatchObject({
      granted: false,
      reason: 'archive',
    });
  });
});

describe('access decision: a vertical in the archive', () => {
  it('needs both the vertical and archives, naming the vertical first', () => {
    expect(ask({ access: 'metered', requiredBenefit: MARKETS, publishedAt: old })).toEqual({
      granted: false,
      reason: 'vertical',
      requires: [MARKETS, ARCHIVES],
    });
    expect(
      ask({
        access: 'premium',
        requiredBenefit: MARKETS,
        publishedAt: old,
        entitlements: new Set([MARKETS]),
      }),
    ).toEqual({ granted: false, reason: 'archive', requires: [ARCHIVES] });
    expect(
      ask({
        access: 'metered',
        requiredBenefit: MARKETS,
        publishedAt: old,
        entitlements: new Set([ARCHIVES]),
      }),
    ).toEqual({ granted: false, reason: 'vertical', requires: [MARKETS] });
    expect(
      ask({
        access: 'premium',
        requiredBenefit: MARKETS,
        publishedAt: old,
        entitlements: new Set([MARKETS, ARCHIVES]),
      }),
    ).toEqual({ granted: true, reason: 'subscriber', consumesRead: false });
  });
});

describe('access decision: every combination', () => {
  const accessLevels = ['free', 'metered', 'premium'] as const;
  const benefits: readonly string[] = [UNLIMITED_STORIES, ARCHIVES, MARKETS, EPAPER];
  const entitlementSets = Array.from({ length: 1 << benefits.length }, (_, mask) => mask).map(
    (mask) => new Set(benefits.filter((_, i) => (mask & (1 << i)) !== 0)),
  );
  const meters = [
    { limit: 5, used: 0, alreadyRead: false },
    { limit: 5, used: 5, alreadyRead: false },
    { limit: 5, used: 5, alreadyRead: true },
    { limit: 0, used: 0, alreadyRead: false },
  ];
  const cases = accessLevels.flatMap((access) =>
    [null, MARKETS].flatMap((requiredBenefit) =>
      [null, EPAPER, MARKETS, ARCHIVES].flatMap((benefit) =>
        [recent, old].flatMap((publishedAt) =>
          entitlementSets.flatMap((entitlements) =>
            [false, true].flatMap((verifiedCrawler) =>
              meters.map((meter) => ({
                access,
                requiredBenefit,
                benefit,
                publishedAt,
                entitlements,
                verifiedCrawler,
                meter,
              })),
            ),
          ),
        ),
      ),
    ),
  );

  it('never grants what the reader lacks a benefit for, and names exactly what is missing', () => {
    for (const c of cases) {
      const decision = ask(c);
      const label = JSON.stringify({ ...c, entitlements: [...c.entitlements] });
      if (c.access === 'free' || c.verifiedCrawler) {
        expect(decision.granted, label).toBe(true);
        continue;
      }
      const named = c.requiredBenefit !== null || c.benefit !== null;
      const needed = [
        ...new Set([
          ...(c.requiredBenefit ? [c.requiredBenefit] : []),
          ...(c.benefit ? [c.benefit] : []),
          ...(c.publishedAt === old ? [ARCHIVES] : []),
          ...(!named && c.access === 'premium' ? [UNLIMITED_STORIES] : []),
        ]),
      ];
      const missing = needed.filter((b) => !c.entitlements.has(b));
      if (missing.length > 0) {
        expect(decision, label).toMatchObject({ granted: false, requires: missing });
        continue;
      }
      const unlocked = named || c.access === 'premium' || c.entitlements.has(UNLIMITED_STORIES);
      if (unlocked)
        expect(decision, label).toEqual({ granted: true, reason: 'subscriber', consumesRead: false });
      else if (c.meter.alreadyRead || c.meter.used < c.meter.limit)
        expect(decision, label).toMatchObject({
          granted: true,
          reason: 'metered',
          consumesRead: !c.meter.alreadyRead,
        });
      else
        expect(decision, label).toEqual({
          granted: false,
          reason: 'limit_reached',
          requires: [UNLIMITED_STORIES],
        });
    }
  });

  it('counts a read only for a metered article opened on the meter', () => {
    for (const c of cases) {
      const decision = ask(c);
      if (decision.granted && decision.consumesRead) {
        expect(decision.reason).toBe('metered');
        expect(c.access).toBe('metered');
        expect(c.requiredBenefit).toBeNull();
        expect(c.benefit).toBeNull();
      }
    }
  });
});

describe('sections that do not count on the meter', () => {
  const used = { limit: 5, used: 5, alreadyRead: false };

  it('grants a metered article of an uncounted section to everyone, free, consuming nothing', () => {
    for (const entitlements of [anonymous, subscriber]) {
      expect(ask({ access: 'metered', countsOnMeter: false, meter: used, entitlements })).toEqual({
        granted: true,
        reason: 'free',
        consumesRead: false,
      });
    }
    // With free articles left it still consumes none.
    expect(
      ask({ access: 'metered', countsOnMeter: false, meter: { limit: 5, used: 0, alreadyRead: false } }),
    ).toMatchObject({ granted: true, reason: 'free', consumesRead: false });
    // A meter of 0 walls every counted story, not an uncounted one.
    expect(
      ask({ access: 'metered', countsOnMeter: false, meter: { limit: 0, used: 0, alreadyRead: false } }),
    ).toMatchObject({ granted: true, reason: 'free' });
  });

  it('the same article of a counted section uses the meter', () => {
    expect(ask({ access: 'metered', countsOnMeter: true, meter: used })).toMatchObject({
      granted: false,
      reason: 'limit_reached',
    });
  });

  it('leaves premium, vertical and archive rules as they are', () => {
    expect(ask({ access: 'premium', countsOnMeter: false })).toEqual({
      granted: false,
      reason: 'premium',
      requires: [UNLIMITED_STORIES],
    });
    expect(ask({ access: 'metered', countsOnMeter: false, requiredBenefit: MARKETS })).toEqual({
      granted: false,
      reason: 'vertical',
      requires: [MARKETS],
    });
    expect(ask({ access: 'metered', countsOnMeter: false, publishedAt: old })).toEqual({
      granted: false,
      reason: 'archive',
      requires: [ARCHIVES],
    });
    // Granted by the vertical's benefit and archives, it is the subscriber's, as before.
    expect(
      ask({
        access: 'metered',
        countsOnMeter: false,
        requiredBenefit: MARKETS,
        entitlements: new Set([MARKETS]),
      }),
    ).toMatchObject({ granted: true, reason: 'subscriber' });
    // With archives, an old metered article of an uncounted section is free again.
    expect(
      ask({ access: 'metered', countsOnMeter: false, publishedAt: old, entitlements: new Set([ARCHIVES]) }),
    ).toMatchObject({ granted: true, reason: 'free', consumesRead: false });
  });

  it('answers an uncounted read with the same frozen decision every time (no allocation)', () => {
    const first = ask({ access: 'metered', countsOnMeter: false });
    expect(ask({ access: 'metered', countsOnMeter: false, meter: used })).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
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
