import type { Clock } from '../../kernel/clock.js';
import type { ArticleSummary } from '../content/index.js';
import type { MeterService, MeterView } from '../metering/index.js';
import type { PlanService } from '../plans/index.js';
import type { PublicationService } from '../publication/index.js';
import type { SettingsStore } from '../settings/index.js';
import { decideAccess, decideBenefit, type BenefitDecision } from './access.js';
import { renderCopy, type CopyContext } from './copy.js';
import { outcomeOf, type AccessOutcome } from './outcome.js';

export type { AccessOutcome };
import { draftCopy, previewPaywall, type PaywallDraft, type PreviewedState } from './preview.js';
import type { CrawlerCheck } from './crawler.js';
import { archiveSettingsSchema, meterSettingsSchema, paywallSettingsSchema } from './settings.js';

/** Who is asking: the meter's reader id, a display name, and what their subscription unlocks. */
export interface Reader {
  readonly id: string;
  readonly name: string;
  readonly entitlements: ReadonlySet<string>;
}

export interface RequestOrigin {
  readonly userAgent: string | undefined;
  readonly ip: string;
  /** False for requests that fetch no body (HEAD: link previews, prefetchers, monitors). */
  readonly countsRead: boolean;
}

export interface PaywallService {
  /**
   * Decides access to `article` and, for a metered read in a section that counts, counts it;
   * the outcome carries the teaser cut to the setting.
   */
  check(
    article: Pick<
      ArticleSummary,
      'id' | 'slug' | 'access' | 'requiredBenefit' | 'headline' | 'publishedAt' | 'teaserHtml'
    > & {
      readonly section: Pick<ArticleSummary['section'], 'slug' | 'requiredBenefit'>;
    },
    reader: Reader,
    origin: RequestOrigin,
  ): Promise<AccessOutcome>;
  meter(reader: Reader): Promise<MeterView>;
  /**
   * The copy `draft` would show, merged into the stored settings, for a sample reader in each
   * state (`previewStates`), rendered as the article page renders it; nothing is saved and no
   * read counted. Throws `invalid_template` (naming the field and problem) as a settings change would.
   */
  preview(draft: PaywallDraft): Promise<PreviewedState[]>;
  /** May `reader` use `benefit` now? The one question every benefit's page, call and send asks. */
  benefit(reader: Pick<Reader, 'entitlements'>, benefit: string): BenefitDecision;
}

export function createPaywallService(deps: {
  meter: MeterService;
  clock: Clock;
  /** Which plans include what a refused reader lacks (from the cached list of plans on sale). */
  plans: Pick<PlanService, 'including'>;
  settings: SettingsStore;
  publication: PublicationService;
  isVerifiedCrawler: CrawlerCheck;
  links: { login: string; subscribe: string };
  /** Where to report copy that failed to render (console.warn by default). */
  warn?: (message: string) => void;
}): PaywallService {
  const { meter, settings, publication: publicationService, isVerifiedCrawler, links } = deps;
  const warn = deps.warn ?? ((message: string) => console.warn(message));

  /** The publisher's copy, or the default copy if the publisher's fails to render. */
  function copy(template: string, fallback: string, context: CopyContext): string {
    try {
      return renderCopy(template, context);
    } catch (error) {
      warn(`paywall copy failed to render, showing the default instead: ${String(error)}`);
      return renderCopy(fallback, context);
    }
  }

  async function currentSettings() {
    const [publication, meterSettings, paywall, archives] = await Promise.all([
      publicationService.settings(),
      settings.read('meter', meterSettingsSchema),
      settings.read('paywall', paywallSettingsSchema),
      settings.read('archives', archiveSettingsSchema),
    ]);
    return { publication, meterSettings, paywall, archives };
  }

  return {
    async check(article, reader, origin) {
      const { publication, meterSettings, paywall, archives } = await currentSettings();
      const limit = meterSettings.freeLimit;
      const period = meter.period(publication.timeZone);
      const request = {
        article: {
          access: article.access,
          publishedAt: article.publishedAt,
          requiredBenefit: article.section.requiredBenefit,
          benefit: article.requiredBenefit,
        },
        entitlements: reader.entitlements,
        verifiedCrawler: isVerifiedCrawler(origin.userAgent, origin.ip),
        // A short list of slugs, searched without allocating.
        countsOnMeter: !meterSettings.uncountedSections.includes(article.section.slug),
        meter: await meter.snapshot(reader.id, article.id, limit, period),
        now: deps.clock.now().getTime(),
        archiveFreeDays: archives.freeDays,
      };
      let decision = decideAccess(request);
      let used = request.meter.used;
      if (decision.granted && decision.consumesRead && origin.countsRead) {
        const consumed = await meter.consume(reader.id, article.id, limit, period);
        used = consumed.used;
        // Another request of this reader's filled the meter between the snapshot and now.
        if (!consumed.recorded)
          decision = decideAccess({ ...request, meter: { limit, used, alreadyRead: false } });
      }
      const offers = decision.granted ? [] : await deps.plans.including(decision.requires);
      return outcomeOf({
        decision,
        meter: { limit, used, period, reread: request.meter.alreadyRead },
        reader,
        article,
        publication,
        offers,
        copy: { paywall, meter: meterSettings },
        links,
        render: copy,
      });
    },

    async preview(draft) {
      const { publication, meterSettings, paywall, archives } = await currentSettings();
      return previewPaywall({
        copy: draftCopy(draft, { paywall, meter: meterSettings }),
        archives,
        publication,
        period: meter.period(publication.timeZone),
        now: deps.clock.now().getTime(),
        including: (benefits) => deps.plans.including(benefits),
        links,
        // The draft was validated: a failure to render is a problem to show, not to hide.
        render: (template, _fallback, context) => renderCopy(template, context),
      });
    },

    benefit: (reader, benefit) => decideBenefit({ benefit, entitlements: reader.entitlements }),

    async meter(reader) {
      const { publication, meterSettings } = await currentSettings();
      return meter.view(reader.id, meterSettings.freeLimit, publication.timeZone);
    },
  };
}
