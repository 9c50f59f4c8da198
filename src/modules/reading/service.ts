import type { ArticleSummary, ContentService, PublishedBody } from '../content/index.js';
import type { AccessOutcome, PaywallService, Reader, RequestOrigin } from '../paywall/index.js';

export interface OpenedArticle {
  readonly article: ArticleSummary;
  readonly access: AccessOutcome;
  /** The whole body: present only when access was granted. */
  readonly body: PublishedBody | null;
}

export interface ReadingService {
  open(idOrSlug: string, reader: Reader, origin: RequestOrigin): Promise<OpenedArticle | undefined>;
}

export function createReadingService(deps: {
  content: ContentService;
  paywall: PaywallService;
}): ReadingService {
  const { content, paywall } = deps;
  return {
    async open(idOrSlug, reader, origin) {
      const article = await content.findPublished(idOrSlug);
      if (!article) return undefined;
      const access = await paywall.check(article, reader, origin);
      const body = access.granted ? await content.body(article.id) : null;
      return { article, access, body };
    },
  };
}
