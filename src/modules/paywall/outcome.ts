import { formatDate } from '../../kernel/dates.js';
import { cutTeaser } from '../content/index.js';
import { meterView, type MeterPeriod } from '../metering/index.js';
import { benefitTitle, type Plan } from '../plans/index.js';
import type { AccessDecision, AccessReason } from './access.js';
import type { MeterView } from '../metering/index.js';
import type { CopyContext } from './copy.js';
import {
  defaultBannerTemplate,
  defaultBenefitTemplate,
  defaultLimitTemplate,
  defaultPremiumTemplate,
  type MeterSettings,
  type PaywallSettings,
} from './settings.js';

/** "A", "A and B", "A, B and C". */
function listOf(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

export interface AccessOutcome {
  readonly granted: boolean;
  readonly reason: AccessReason;
  readonly meter: MeterView;
  /** The paywall's copy (HTML), when refused. */
  readonly paywallHtml: string | null;
  /**
   * The teaser as the setting `paywall.teaserParagraphs` allows it: what a refused reader is
   * shown of the body, on the page and in the API. (The article's own `teaserHtml` is the
   * longest stored teaser, never shown as is.)
   */
  readonly teaserHtml: string;
  /** When refused: the benefits the reader lacks (`market-analysis`, `archives`, `premium-stories`). */
  readonly requires: readonly string[];
  /** When refused: the plans on sale that include all of `requires`, in display order. */
  readonly offers: readonly Plan[];
  /** The meter banner (HTML), on a metered article read on the meter. */
  readonly bannerHtml: string | null;
}

/** Renders one template with the context, falling back to `fallback` if it fails. */
export type CopyRenderer = (template: string, fallback: string, context: CopyContext) => string;

/**
 * What an access decision shows the reader: the paywall's copy when refused, the meter banner on
 * a metered read. The one place copy is chosen and its variables filled, for the article page
 * (`PaywallService.check`) and the admin's preview (`PaywallService.preview`) alike.
 */
export function outcomeOf(input: {
  readonly decision: AccessDecision;
  readonly meter: {
    readonly limit: number;
    readonly used: number;
    readonly period: MeterPeriod;
    readonly reread: boolean;
  };
  readonly reader: { readonly name: string };
  readonly article: { readonly slug: string; readonly headline: string; readonly teaserHtml: string };
  readonly publication: { readonly name: string; readonly timeZone: string };
  /** When refused: the plans on sale that include everything the reader lacks. */
  readonly offers: readonly Plan[];
  readonly copy: { readonly paywall: PaywallSettings; readonly meter: MeterSettings };
  readonly links: { readonly login: string; readonly subscribe: string };
  readonly render: CopyRenderer;
}): AccessOutcome {
  const { decision, meter, article, publication, offers, links, render } = input;
  const { paywall, meter: meterSettings } = input.copy;
  const view = meterView(meter.limit, meter.used, meter.period);
  const requires = decision.granted ? [] : decision.requires;
  const context: CopyContext = {
    free_limit: meter.limit,
    used: view.used,
    remaining: view.remaining,
    resets_on: formatDate(meter.period.resetsAt, publication.timeZone),
    reader_name: input.reader.name,
    article_title: article.headline,
    reread: meter.reread,
    publication_name: publication.name,
    // Signing in or subscribing from the paywall comes back to the article.
    login_url: `${links.login}?returnTo=/article/${encodeURIComponent(article.slug)}`,
    subscribe_url: `${links.subscribe}?returnTo=${encodeURIComponent(`/article/${article.slug}`)}`,
    required_benefits: listOf(requires.map(benefitTitle)),
    plan_names: listOf(offers.map((plan) => plan.name)),
    archive: !decision.granted && decision.reason === 'archive',
  };
  return {
    granted: decision.granted,
    reason: decision.reason,
    meter: view,
    paywallHtml: decision.granted
      ? null
      : decision.reason === 'premium'
        ? render(paywall.premiumTemplate, defaultPremiumTemplate, context)
        : decision.reason === 'limit_reached'
          ? render(paywall.template, defaultLimitTemplate, context)
          : render(paywall.benefitTemplate, defaultBenefitTemplate, context),
    teaserHtml: cutTeaser(article.teaserHtml, paywall.teaserParagraphs),
    requires,
    offers,
    bannerHtml:
      decision.granted && decision.reason === 'metered'
        ? render(meterSettings.bannerTemplate, defaultBannerTemplate, context)
        : null,
  };
}
