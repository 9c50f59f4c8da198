import { z } from 'zod';
import { AppError } from '../../kernel/errors.js';
import type { MeterPeriod } from '../metering/index.js';
import type { Plan } from '../plans/index.js';
import { templateIssueMarker } from '../settings/index.js';
import { ARCHIVES, decideAccess, UNLIMITED_STORIES, type AccessReason } from './access.js';
import { outcomeOf, type CopyRenderer } from './outcome.js';
import {
  meterSettingsSchema,
  paywallSettingsSchema,
  type ArchiveSettings,
  type MeterSettings,
  type PaywallSettings,
} from './settings.js';

/**
 * Copy as a marketer is editing it, not saved: any of the paywall's templates, the banner, the
 * free limit and the teaser's length. What is left out is what is stored.
 */
export const PaywallDraft = z
  .object({
    template: z.string(),
    premiumTemplate: z.string(),
    benefitTemplate: z.string(),
    bannerTemplate: z.string(),
    freeLimit: z.number(),
    teaserParagraphs: z.number(),
  })
  .partial()
  .strict();
export type PaywallDraft = z.infer<typeof PaywallDraft>;

/** The sample readers a preview shows, one per state a reader meets the copy in. */
export const previewStates = [
  /** Anonymous, on a metered article, with free articles left: the banner. */
  'metered',
  /** Anonymous, the meter used up: the limit paywall. */
  'limit_reached',
  /** Signed in without a subscription, on a premium story. */
  'premium',
  /** Signed in without the benefit, on an article of a premium vertical (market analysis). */
  'vertical',
  /** Signed in without `archives`, on an article older than the archive's free window. */
  'archive',
  /** A subscriber: neither banner nor paywall. */
  'subscriber',
] as const;
export type PreviewState = (typeof previewStates)[number];

/** What one sample reader sees. */
export interface PreviewedState {
  readonly state: PreviewState;
  readonly article: { readonly headline: string; readonly access: 'metered' | 'premium' };
  readonly granted: boolean;
  readonly reason: AccessReason;
  readonly paywallHtml: string | null;
  /** When refused: the sample story's teaser, as long as the draft's `teaserParagraphs` allows. */
  readonly teaserHtml: string | null;
  readonly bannerHtml: string | null;
  readonly meter: { readonly limit: number; readonly used: number; readonly remaining: number };
  /** When refused: the names of the plans the paywall offers. */
  readonly offers: readonly string[];
}

const dayMs = 86_400_000;

interface Sample {
  readonly headline: string;
  readonly slug: string;
  readonly access: 'metered' | 'premium';
  readonly requiredBenefit: string | null;
  readonly archived: boolean;
  readonly readerName: string;
  readonly entitlements: ReadonlySet<string>;
  /** Articles read this period before this one (capped at the limit). */
  readonly used: (limit: number) => number;
}

const nothing: ReadonlySet<string> = new Set();
/** A sample story's stored teaser: as many paragraphs as a teaser may show, cut to the draft's. */
const sampleTeaser = [
  'The first paragraph: what every refused reader sees.',
  'The second paragraph, shown when the teaser is two paragraphs or more.',
  'The third paragraph.',
  'The fourth paragraph.',
  'The fifth paragraph, the longest teaser there is.',
]
  .map((text) => `<p>${text}</p>`)
  .join('\n');
const samples: Readonly<Record<PreviewState, Sample>> = {
  metered: {
    headline: 'Monsoon arrives early over Kerala',
    slug: 'monsoon-arrives-early',
    access: 'metered',
    requiredBenefit: null,
    archived: false,
    readerName: '',
    entitlements: nothing,
    used: (limit) => Math.max(0, Math.min(1, limit - 1)),
  },
  limit_reached: {
    headline: 'Monsoon arrives early over Kerala',
    slug: 'monsoon-arrives-early',
    access: 'metered',
    requiredBenefit: null,
    archived: false,
    readerName: '',
    entitlements: nothing,
    used: (limit) => limit,
  },
  premium: {
    headline: 'Inside the bank merger that nearly failed',
    slug: 'inside-the-bank-merger',
    access: 'premium',
    requiredBenefit: null,
    archived: false,
    readerName: 'Asha',
    entitlements: nothing,
    used: () => 0,
  },
  vertical: {
    headline: 'Five stocks our analysts would buy now',
    slug: 'five-stocks-to-buy',
    access: 'metered',
    requiredBenefit: 'market-analysis',
    archived: false,
    readerName: 'Asha',
    entitlements: nothing,
    used: () => 0,
  },
  archive: {
    headline: 'The budget of 1997',
    slug: 'the-budget-of-1997',
    access: 'metered',
    requiredBenefit: null,
    archived: true,
    readerName: 'Asha',
    entitlements: nothing,
    used: () => 0,
  },
  subscriber: {
    headline: 'Inside the bank merger that nearly failed',
    slug: 'inside-the-bank-merger',
    access: 'premium',
    requiredBenefit: null,
    archived: false,
    readerName: 'Asha',
    entitlements: new Set([UNLIMITED_STORIES, ARCHIVES]),
    used: () => 0,
  },
};

/**
 * The copy `draft` would make, merged into what is stored and validated by the same schemas
 * `PATCH /api/admin/v1/settings` uses: an invalid template is `invalid_template` naming the
 * field and the problem (`paywall.template: invalid template: unknown variable …`).
 */
export function draftCopy(
  draft: PaywallDraft,
  stored: { readonly paywall: PaywallSettings; readonly meter: MeterSettings },
): { readonly paywall: PaywallSettings; readonly meter: MeterSettings } {
  const { freeLimit, bannerTemplate, ...paywallDraft } = draft;
  const problems: string[] = [];
  let templateProblem = false;
  const parse = <S extends z.ZodType>(key: string, schema: S, value: unknown): z.output<S> | undefined => {
    const parsed = schema.safeParse(value);
    if (parsed.success) return parsed.data;
    for (const issue of parsed.error.issues) {
      problems.push(`${[key, ...issue.path].join('.')}: ${issue.message}`);
      if (issue.code === 'custom' && issue.params?.[templateIssueMarker] === true) templateProblem = true;
    }
    return undefined;
  };
  const meter = parse('meter', meterSettingsSchema, {
    ...stored.meter,
    ...(freeLimit !== undefined && { freeLimit }),
    ...(bannerTemplate !== undefined && { bannerTemplate }),
  });
  const paywall = parse('paywall', paywallSettingsSchema, { ...stored.paywall, ...paywallDraft });
  if (!meter || !paywall) {
    throw new AppError(templateProblem ? 'invalid_template' : 'validation_failed', problems.join('; '));
  }
  return { meter, paywall };
}

/**
 * Renders `copy` for each sample reader (`previewStates`) through the access decision and the
 * copy the article page uses (`decideAccess`, `outcomeOf`), saving nothing and counting no read.
 */
export async function previewPaywall(input: {
  readonly copy: { readonly paywall: PaywallSettings; readonly meter: MeterSettings };
  readonly archives: ArchiveSettings;
  readonly publication: { readonly name: string; readonly timeZone: string };
  readonly period: MeterPeriod;
  readonly now: number;
  readonly including: (benefits: readonly string[]) => Promise<readonly Plan[]>;
  readonly links: { readonly login: string; readonly subscribe: string };
  readonly render: CopyRenderer;
}): Promise<PreviewedState[]> {
  const limit = input.copy.meter.freeLimit;
  const archivedAt = new Date(input.now - (input.archives.freeDays + 365) * dayMs).toISOString();
  const recentAt = new Date(input.now - dayMs).toISOString();
  return Promise.all(
    previewStates.map(async (state) => {
      const sample = samples[state];
      const used = sample.used(limit);
      const decision = decideAccess({
        article: {
          access: sample.access,
          publishedAt: sample.archived ? archivedAt : recentAt,
          requiredBenefit: sample.requiredBenefit,
        },
        entitlements: sample.entitlements,
        verifiedCrawler: false,
        countsOnMeter: true,
        meter: { limit, used, alreadyRead: false },
        now: input.now,
        archiveFreeDays: input.archives.freeDays,
      });
      // The page shows the meter after the read it counts.
      const after = decision.granted && decision.consumesRead ? used + 1 : used;
      const offers = decision.granted ? [] : await input.including(decision.requires);
      const outcome = outcomeOf({
        decision,
        meter: { limit, used: after, period: input.period, reread: false },
        reader: { name: sample.readerName },
        article: { ...sample, teaserHtml: sampleTeaser },
        publication: input.publication,
        offers,
        copy: input.copy,
        links: input.links,
        render: input.render,
      });
      return {
        state,
        article: { headline: sample.headline, access: sample.access },
        granted: outcome.granted,
        reason: outcome.reason,
        paywallHtml: outcome.paywallHtml,
        teaserHtml: outcome.granted ? null : outcome.teaserHtml,
        bannerHtml: outcome.bannerHtml,
        meter: { limit, used: outcome.meter.used, remaining: outcome.meter.remaining },
        offers: outcome.offers.map((plan) => plan.name),
      };
    }),
  );
}
