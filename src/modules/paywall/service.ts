import { formatDate } from '../../kernel/dates.js';
import type { MeterService, MeterView } from '../metering/index.js';
import { meterView } from '../metering/index.js';
import type { PublicationService } from '../publication/index.js';
import type { SettingsStore } from '../settings/index.js';
import {
  decideAccess,
  decideBenefit,
  type AccessReason,
  type ArticleAccess,
  type BenefitDecision,
} from './access.js';
import { renderCopy, type CopyContext } from './copy.js';
import type { CrawlerCheck } from './crawler.js';
import {
  defaultBannerTemplate,
  defaultLimitTemplate,
  defaultPremiumTemplate,
  meterSettingsSchema,
  paywallSettingsSchema,
} from './settings.js';

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

export interface AccessOutcome {
  readonly granted: boolean;
  readonly reason: AccessReason;
  readonly meter: MeterView;
  /** The paywall's copy (HTML), when refused. */
  readonly paywallHtml: string | null;
  /** The meter banner (HTML), on a metered article read on the meter. */
  readonly bannerHtml: string | null;
}

export interface PaywallService {
  /** Decides access to `article` and, for a metered read, counts it. */
  check(
    article: { id: string; slug: string; access: ArticleAccess; headline: string },
    reader: Reader,
    origin: RequestOrigin,
  ): Promise<AccessOutcome>;
  meter(reader: Reader): Promise<MeterView>;
  /** May `reader` use `benefit` now? The one question every benefit's page, call and send asks. */
  benefit(reader: Pick<Reader, 'entitlements'>, benefit: string): BenefitDecision;
}

export function createPaywallService(deps: {
  meter: MeterService;
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
    const [publication, meterSettings, paywall] = await Promise.all([
      publicationService.settings(),
      settings.read('meter', meterSettingsSchema),
      settings.read('paywall', paywallSettingsSchema),
    ]);
    return { publication, meterSettings, paywall };
  }

  return {
    async check(article, reader, origin) {
      const { publication, meterSettings, paywall } = await currentSettings();
      const limit = meterSettings.freeLimit;
      const period = meter.period(publication.timeZone);
      const request = {
        article,
        entitlements: reader.entitlements,
        verifiedCrawler: isVerifiedCrawler(origin.userAgent, origin.ip),
        meter: await meter.snapshot(reader.id, article.id, limit, period),
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
      const view = meterView(limit, used, period);
      const context: CopyContext = {
        free_limit: limit,
        used: view.used,
        remaining: view.remaining,
        resets_on: formatDate(period.resetsAt, publication.timeZone),
        reader_name: reader.name,
        article_title: article.headline,
        reread: request.meter.alreadyRead,
        publication_name: publication.name,
        // Signing in or subscribing from the paywall comes back to the article.
        login_url: `${links.login}?returnTo=/article/${encodeURIComponent(article.slug)}`,
        subscribe_url: `${links.subscribe}?returnTo=${encodeURIComponent(`/article/${article.slug}`)}`,
      };
      return {
        granted: decision.granted,
        reason: decision.reason,
        meter: view,
        paywallHtml: decision.granted
          ? null
          : decision.reason === 'premium'
            ? copy(paywall.premiumTemplate, defaultPremiumTemplate, context)
            : copy(paywall.template, defaultLimitTemplate, context),
        bannerHtml:
          decision.granted && decision.reason === 'metered'
            ? copy(meterSettings.bannerTemplate, defaultBannerTemplate, context)
            : null,
      };
    },

    benefit: (reader, benefit) => decideBenefit({ benefit, entitlements: reader.entitlements }),

    async meter(reader) {
      const { publication, meterSettings } = await currentSettings();
      return meter.view(reader.id, meterSettings.freeLimit, publication.timeZone);
    },
  };
}
