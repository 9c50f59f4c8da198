import type { MeterSnapshot } from '../metering/index.js';

import type { ArticleAccess } from '../content/index.js';

export type { ArticleAccess };

export type GrantReason = 'free' | 'metered' | 'subscriber' | 'crawler';
export type RefusalReason = 'limit_reached' | 'premium';
export type AccessReason = GrantReason | RefusalReason;

/** The benefit that unlocks every story, metered or premium. */
export const UNLIMITED_STORIES = 'premium-stories';

export interface AccessRequest {
  readonly article: { readonly access: ArticleAccess };
  readonly entitlements: ReadonlySet<string>;
  readonly verifiedCrawler: boolean;
  /** Only consulted for metered articles read by someone without entitlements. */
  readonly meter: MeterSnapshot;
}

export type AccessDecision =
  | { readonly granted: true; readonly reason: GrantReason; readonly consumesRead: boolean }
  | { readonly granted: false; readonly reason: RefusalReason };

/**
 * Who may read what. Pure: the caller gathers the inputs (the meter snapshot for the current
 * period) and, when `consumesRead` is set, records the read atomically — and asks again
 * with the fresh snapshot if the store says the meter filled up in the meantime.
 */
export function decideAccess(request: AccessRequest): AccessDecision {
  const { article, entitlements, verifiedCrawler, meter } = request;
  if (article.access === 'free') return { granted: true, reason: 'free', consumesRead: false };
  if (entitlements.has(UNLIMITED_STORIES))
    return { granted: true, reason: 'subscriber', consumesRead: false };
  if (verifiedCrawler) return { granted: true, reason: 'crawler', consumesRead: false };
  if (article.access === 'premium') return { granted: false, reason: 'premium' };
  if (meter.alreadyRead) return { granted: true, reason: 'metered', consumesRead: false };
  if (meter.used < meter.limit) return { granted: true, reason: 'metered', consumesRead: true };
  return { granted: false, reason: 'limit_reached' };
}

/** Why a reader may not use a benefit: their subscription (if any) does not include it. */
export type BenefitRefusalReason = 'subscription_required';

export type BenefitDecision =
  | { readonly granted: true }
  | { readonly granted: false; readonly reason: BenefitRefusalReason; readonly benefit: string };

/**
 * May a reader use `benefit` (`epaper`, `newsletters`, `partner-access`, `ad-free`…) now?
 * Pages, the API, mail sends and downloads all ask this (through `PaywallService.benefit`);
 * none of them looks at entitlements itself, so a rule added here holds everywhere.
 */
export function decideBenefit(request: {
  readonly benefit: string;
  readonly entitlements: ReadonlySet<string>;
}): BenefitDecision {
  if (request.entitlements.has(request.benefit)) return { granted: true };
  return { granted: false, reason: 'subscription_required', benefit: request.benefit };
}
