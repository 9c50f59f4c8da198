import { AppError } from '../../kernel/errors.js';
import type { ArticleAccess, ContentService } from '../content/index.js';
import { feedItems, uniqueByGuid } from './domain.js';
import type { Clock } from '../../kernel/clock.js';
import { FeedFetchError, fetchFeed, type FetchLimits } from './fetch.js';

export interface ImportOptions {
  readonly agency: string;
  /** A section slug; by default the first section. */
  readonly section?: string;
  /** Published at once (true) or left as drafts (false, the default). */
  readonly publish?: boolean;
  /** Default `metered`: wire copy counts against the meter like the newsroom's own. */
  readonly access?: ArticleAccess;
}

export interface ImportSummary {
  readonly imported: number;
  /** Items imported before (their GUID is on an article) or repeated within the feed. */
  readonly skipped: number;
  readonly failed: readonly { guid: string; title: string; reason: string }[];
}

/** Wire import: feed items become syndicated articles, through the content service. */
export interface WireService {
  /** Fetches a feed URL safely (see `fetchFeed`) and imports its items. */
  importUrl(url: string, options: ImportOptions): Promise<ImportSummary>;
  /** Imports an uploaded feed file. */
  importText(xml: string, options: ImportOptions): Promise<ImportSummary>;
}

export function createWireService(deps: {
  content: ContentService;
  clock: Clock;
  limits: FetchLimits;
}): WireService {
  const { content, limits, clock } = deps;

  async function sectionFor(slug: string | undefined): Promise<string> {
    const sections = await content.sections();
    if (slug === undefined) {
      const first = sections[0];
      if (!first)
        throw new AppError('validation_failed', 'section: there are no sections yet; create one first.', {
          field: 'section',
        });
      return first.slug;
    }
    if (!sections.some((s) => s.slug === slug))
      throw new AppError('validation_failed', `section: there is no section "${slug}".`, {
        field: 'section',
      });
    return slug;
  }

  async function importText(xml: string, options: ImportOptions): Promise<ImportSummary> {
    const section = await sectionFor(options.section);
    const parsed = feedItems(xml);
    if (!parsed) throw new AppError('validation_failed', 'The document is not an RSS 2.0 or Atom feed.');
    const { items, repeated } = uniqueByGuid(parsed);
    const taken = await content.wireGuidsTaken(items.map((item) => item.guid));
    let imported = 0;
    let skipped = repeated;
    const failed: { guid: string; title: string; reason: string }[] = [];
    for (const item of items) {
      if (taken.has(item.guid)) {
        skipped++;
        continue;
      }
      if (item.title === '') {
        failed.push({ guid: item.guid, title: '', reason: 'the item has no title' });
        continue;
      }
      try {
        await content.create({
          headline: item.title.slice(0, 300),
          standfirst: item.summary.slice(0, 1000),
          body: item.bodyHtml || `<p>${item.summary}</p>`,
          section,
          access: options.access ?? 'metered',
          syndicated: { agency: options.agency, guid: item.guid },
          status: options.publish ? 'published' : 'draft',
          // A date ahead (a wrong clock at the agency) would schedule the story: it is published now.
          ...(item.publishedAt !== undefined &&
            item.publishedAt <= clock.now().toISOString() && {
              publishedAt: item.publishedAt,
            }),
        });
        imported++;
      } catch (error) {
        if (error instanceof AppError && error.code === 'conflict' && error.details?.guid === item.guid)
          skipped++;
        else if (error instanceof AppError)
          failed.push({ guid: item.guid, title: item.title, reason: error.message });
        else throw error;
      }
    }
    return { imported, skipped, failed };
  }

  return {
    importText,
    async importUrl(url, options) {
      await sectionFor(options.section);
      let xml: string;
      try {
        xml = await fetchFeed(url, limits);
      } catch (error) {
        if (error instanceof FeedFetchError)
          throw new AppError('validation_failed', `url: ${error.message}`, { field: 'url' });
        throw error;
      }
      return importText(xml, options);
    },
  };
}
