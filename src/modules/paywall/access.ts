import type { MeterSnapshot } from '../metering/index.js';

import type { ArticleAccess } from '../content/index.js';

export type { ArticleAccess };

export type GrantReason = 'free' | 'metered' | 'subscriber' | 'crawler';
/**
 * `limit_reached`: the meter is used up; `premium`: a premium story; `vertical`: the article's
 * section (a premium vertical) or the article itself needs a named benefit the reader lacks;
 * `archive`: the article is older than the free window and the reader lacks `archives`.
 */
export type RefusalReason = 'limit_reached' | 'premium' | 'vertical' | 'archive';
export type AccessReason = GrantReason | RefusalReason;

/** The benefit that unlocks every story, metered or premium, outside the premium verticals. */
export const UNLIMITED_STORIES = 'premium-stories';
/** The benefit that unlocks articles older than the archive's free window. */
export const ARCHIVES = 'archives';

const dayMs = 86_400_000;

// The answers of the common refusals, frozen once: a paywall page shown thousands of times a
// second neither allocates them nor digests a new array in its page cache key.
const needsUnlimitedStories: readonly string[] = Object.freeze([UNLIMITED_STORIES]);
// A metered article of a section that does not count: granted on every view, so never rebuilt.
const uncountedGrant: AccessDecision = Object.freeze({ granted: true, reason: 'free', consumesRead: false });

export interface AccessRequest {
  readonly article: {
    readonly access: ArticleAccess;
    /** ISO 8601; with `now`, how old the article is. */
    readonly publishedAt: string;
    /** The benefit the article's section needs (a premium vertical), or null. */
    readonly requiredBenefit: string | null;
    /** The benefit the article itself needs (its editor named one), or null; absent: none. */
    readonly benefit?: string | null;
  };
  readonly entitlements: ReadonlySet<string>;
  readonly verifiedCrawler: boolean;
  /**
   * Whether the article's section counts on the meter (the setting `meter.uncountedSections`
   * names those that do not), resolved by the caller. Only consulted for metered articles.
   */
  readonly countsOnMeter: boolean;
  /** Only consulted for metered articles read by someone without entitlements. */
  readonly meter: MeterSnapshot;
  /** The moment of the request (the injected clock), in milliseconds since the epoch. */
  readonly now: number;
  /** Articles published more than this many days before `now` need `archives` (setting `archives.freeDays`). */
  readonly archiveFreeDays: number;
}

export type AccessDecision =
  | { readonly granted: true; readonly reason: GrantReason; readonly consumesRead: boolean }
  | {
      readonly granted: false;
      readonly reason: RefusalReason;
      /** The benefits the reader lacks for this article: a plan with all of them unlocks it. */
      readonly requires: readonly string[];
    };

/** True when `publishedAt` lies more than `freeDays` days before `now`. */
export function isArchived(publishedAt: string, now: number, freeDays: number): boolean {
  return now - Date.parse(publishedAt) > freeDays * dayMs;
}

/**
 * Who may read what. Pure: the caller gathers the inputs (the meter snapshot for the current
 * period, the section's requirement, the archive window) and, when `consumesRead` is set,
 * records the read atomically — and asks again with the fresh snapshot if the store says the
 * meter filled up in the meantime.
 *
 * The rules, in order:
 * 1. A free article is free to everyone, in a vertical and in the archive too: marking an
 *    article free is how an editor gives a sample away.
 * 2. A verified crawler reads everything (marked up as paywalled content).
 * 3. An article needs, besides its access level: its section's benefit when the section is a
 *    premium vertical, the benefit the article itself names if any (both when both name one),
 *    and `archives` when it is older than the free window. A named benefit replaces
 *    `premium-stories`: the named benefits alone unlock the metered and premium article, and
 *    the meter does not open it. Otherwise a premium article needs `premium-stories`. Any of
 *    these missing refuses the article, naming all that are missing (reason: `vertical` when a
 *    named benefit is missing, else `archive`, else `premium`).
 * 4. Otherwise a metered article of a section that does not count on the meter
 *    (`countsOnMeter` false) is free to everyone, consuming nothing (reason `free`); one of a
 *    section that counts is open to `premium-stories`, else to the meter.
 */
export function decideAccess(request: AccessRequest): AccessDecision {
  const { article, entitlements, verifiedCrawler, meter } = request;
  if (article.access === 'free') return { granted: true, reason: 'free', consumesRead: false };
  if (verifiedCrawler) return { granted: true, reason: 'crawler', consumesRead: false };
  const vertical = article.requiredBenefit;
  const own = article.benefit ?? null;
  const archived = isArchived(article.publishedAt, request.now, request.archiveFreeDays);
  const named = vertical !== null || own !== null;
  // The common case (a recent article needing no named benefit) allocates nothing.
  if (named || archived || article.access === 'premium') {
    const missing: string[] = [];
    if (vertical !== null && !entitlements.has(vertical)) missing.push(vertical);
    if (own !== null && own !== vertical && !entitlements.has(own)) missing.push(own);
    const namedMissing = missing.length > 0;
    if (archived && vertical !== ARCHIVES && own !== ARCHIVES && !entitlements.has(ARCHIVES))
      missing.push(ARCHIVES);
    if (!named && article.access === 'premium' && !entitlements.has(UNLIMITED_STORIES))
      missing.push(UNLIMITED_STORIES);
    if (missing.length > 0) {
      const reason = namedMissing ? 'vertical' : missing[0] === ARCHIVES ? 'archive' : 'premium';
      const requires =
        missing.length === 1 && missing[0] === UNLIMITED_STORIES ? needsUnlimitedStories : missing;
      return { granted: false, reason, requires };
    }
    if (named || article.access === 'premium')
      return { granted: true, reason: 'subscriber', consumesRead: false };
  }
  if (!request.countsOnMeter) return uncountedGrant;
  if (entitlements.has(UNLIMITED_STORIES))
    return { granted: true, reason: 'subscriber', consumesRead: false };
  if (meter.alreadyRead) return { granted: true, reason: 'metered', consumesRead: false };
  if (meter.used < meter.limit) return { granted: true, reason: 'metered', consumesRead: true };
  return { granted: false, reason: 'limit_reached', requires: needsUnlimitedStories };
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
