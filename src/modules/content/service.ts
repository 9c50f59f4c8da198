import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { Clock } from '../../kernel/clock.js';
import { AppError, notFound } from '../../kernel/errors.js';
import { isUniqueViolation } from '../../db/errors.js';
import { newId } from '../../kernel/ids.js';
import type { TtlCache } from '../../kernel/ttl-cache.js';
import {
  searchTextOf,
  slugify,
  bodyFormat,
  prepareBody,
  type ArticleAccess,
  type ArticleSummary,
  type PublishedBody,
  type Section,
} from './domain.js';
import * as q from './queries.js';

export interface ArticleInput {
  readonly headline: string;
  readonly standfirst?: string;
  readonly byline?: string;
  /** HTML; cleaned on save. */
  readonly body: string;
  /** Section slug. */
  readonly section: string;
  readonly access: ArticleAccess;
  readonly syndicated?: { readonly agency: string } | null;
  readonly publishedAt?: string;
  readonly slug?: string;
}

/** An article as the newsroom sees it: with the whole body. */
export interface EditorialArticle extends ArticleSummary {
  readonly bodyHtml: string;
}

export interface ListOptions {
  readonly section?: string;
  readonly q?: string;
  readonly before?: string;
  readonly since?: string;
  readonly limit: number;
}

/** The newsroom: sections and articles. Public reads only ever see published articles. */
export interface ContentService {
  sections(): Promise<Section[]>;
  createSection(slug: string, name: string): Promise<Section>;
  findPublished(idOrSlug: string): Promise<ArticleSummary | undefined>;
  /** The whole body: call only after the reader was granted access. */
  body(articleId: string): Promise<PublishedBody>;
  listPublished(options: ListOptions): Promise<ArticleSummary[]>;
  yearsWithArticles(): Promise<{ year: number; count: number }[]>;
  count(): Promise<number>;

  find(idOrSlug: string): Promise<EditorialArticle | undefined>;
  list(options: ListOptions): Promise<ArticleSummary[]>;
  create(input: ArticleInput): Promise<EditorialArticle>;
  update(idOrSlug: string, patch: Partial<ArticleInput>): Promise<EditorialArticle>;
  remove(idOrSlug: string): Promise<void>;
  /**
   * Prepares again every article whose body an older preparation stored (`bodyFormat`), a
   * batch at a time: body, teaser and search text as a save would write them now. Run before
   * serving (`masthead migrate`, `masthead start`), since an old teaser may show hidden text.
   * A body that no longer has any text is left as it was and named in `failed`.
   */
  upgradeStoredBodies(): Promise<{ upgraded: number; failed: string[] }>;
}

/**
 * Sections, published articles and their bodies are read on every page view and change rarely,
 * so they are cached (`caches.sections`, `caches.articles`, `caches.articleBodies`). A change
 * made through this service clears them at once; other instances see it within the TTL.
 */
export function createContentService(deps: {
  db: Kysely<Database>;
  clock: Clock;
  caches: {
    readonly sections: TtlCache<'all', Section[]>;
    /** By id and by slug. */
    readonly articles: TtlCache<string, ArticleSummary | undefined>;
    /** By article id. */
    readonly bodies: TtlCache<string, PublishedBody>;
  };
}): ContentService {
  const { db, clock } = deps;
  const now = () => clock.now().toISOString();
  const { sections: sectionCache, articles: articleCache, bodies: bodyCache } = deps.caches;
  const forgetCached = () => {
    sectionCache.clear();
    articleCache.clear();
    bodyCache.clear();
  };

  async function sectionId(slug: string): Promise<string> {
    const section = (await q.selectSections(db)).find((s) => s.slug === slug);
    if (!section)
      throw new AppError('validation_failed', `There is no section "${slug}".`, { field: 'section' });
    return section.id;
  }

  async function uniqueSlug(
    wanted: string | undefined,
    headline: string,
    exceptId?: string,
  ): Promise<string> {
    if (wanted !== undefined) {
      if (await q.slugTaken(db, wanted, exceptId))
        throw new AppError('conflict', `The slug "${wanted}" is taken.`);
      return wanted;
    }
    const base = slugify(headline) || 'article';
    for (let n = 1; ; n++) {
      const candidate = n === 1 ? base : `${base}-${n}`;
      if (!(await q.slugTaken(db, candidate, exceptId))) return candidate;
    }
  }

  /**
   * Saves with a unique slug. Two saves may pick the same free slug at once; the database's
   * unique index refuses the second, which then takes the next suffix (or, for a slug the
   * caller chose, is a conflict).
   */
  async function withUniqueSlug(
    wanted: string | undefined,
    headline: string,
    exceptId: string | undefined,
    save: (slug: string) => Promise<void>,
  ): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const slug = await uniqueSlug(wanted, headline, exceptId);
      try {
        return await save(slug);
      } catch (error) {
        if (!isUniqueViolation(error) || attempt >= 5) throw error;
        if (wanted !== undefined) throw new AppError('conflict', `The slug "${wanted}" is taken.`);
      }
    }
  }

  async function editorial(idOrSlug: string): Promise<EditorialArticle | undefined> {
    const article = await q.selectArticle(db, idOrSlug);
    if (!article) return undefined;
    return { ...article, bodyHtml: await q.selectBody(db, article.id) };
  }

  function bodyColumns(body: string, headline: string, standfirst: string) {
    const { teaserHtml, bodyHtml } = prepareBody(body);
    if (bodyHtml === '') {
      throw new AppError('validation_failed', 'The body has no text once cleaned.', { field: 'body' });
    }
    return {
      teaser_html: teaserHtml,
      body_html: bodyHtml,
      search_text: searchTextOf(headline, standfirst, teaserHtml),
      body_format: bodyFormat,
    };
  }

  async function upgradeStoredBodies() {
    let upgraded = 0;
    const failed: string[] = [];
    for (let after = ''; ;) {
      const batch = await q.selectArticlesToPrepare(db, bodyFormat, after, 200);
      if (batch.length === 0) break;
      for (const article of batch) {
        const { teaserHtml, bodyHtml } = prepareBody(article.body_html);
        if (bodyHtml === '') failed.push(article.id);
        else {
          await q.updateArticle(db, article.id, {
            teaser_html: teaserHtml,
            body_html: bodyHtml,
            search_text: searchTextOf(article.headline, article.standfirst, teaserHtml),
            body_format: bodyFormat,
          });
          upgraded++;
        }
      }
      after = batch.at(-1)!.id;
    }
    if (upgraded > 0) forgetCached();
    return { upgraded, failed };
  }

  return {
    sections: () => sectionCache.get('all', () => q.selectSections(db)),
    async createSection(slug, name) {
      const existing = await q.selectSections(db);
      const section = { id: newId('sec'), slug, name };
      await q.insertSection(db, { ...section, position: existing.length });
      forgetCached();
      return section;
    },
    async findPublished(idOrSlug) {
      const article = await articleCache.get(idOrSlug, () => q.selectArticle(db, idOrSlug));
      // Misses are not kept: anyone can ask for any slug, and must not push real articles out.
      if (!article) articleCache.delete(idOrSlug);
      return article && article.publishedAt <= now() ? article : undefined;
    },
    body: (articleId) => bodyCache.get(articleId, async () => ({ html: await q.selectBody(db, articleId) })),
    listPublished: (options) => q.selectArticles(db, { ...options, publishedBy: now() }),
    yearsWithArticles: () => q.selectYearCounts(db, now()),
    count: () => q.countArticles(db),

    upgradeStoredBodies,
    find: editorial,
    list: (options) => q.selectArticles(db, options),

    async create(input) {
      const id = newId('art');
      const at = now();
      const standfirst = input.standfirst ?? '';
      const row = {
        id,
        headline: input.headline,
        standfirst,
        byline: input.byline ?? input.syndicated?.agency ?? '',
        section_id: await sectionId(input.section),
        access: input.access,
        syndicated_agency: input.syndicated?.agency ?? null,
        ...bodyColumns(input.body, input.headline, standfirst),
        published_at: input.publishedAt ?? at,
        created_at: at,
        updated_at: at,
      };
      await withUniqueSlug(input.slug, input.headline, undefined, (slug) =>
        q.insertArticle(db, { ...row, slug }),
      );
      forgetCached();
      return (await editorial(id))!;
    },

    async update(idOrSlug, patch) {
      const current = await editorial(idOrSlug);
      if (!current) throw notFound('The article');
      const headline = patch.headline ?? current.headline;
      const standfirst = patch.standfirst ?? current.standfirst;
      const body = patch.body ?? current.bodyHtml;
      const changes = {
        headline,
        standfirst,
        ...(patch.byline !== undefined && { byline: patch.byline }),
        ...(patch.section !== undefined && { section_id: await sectionId(patch.section) }),
        ...(patch.access !== undefined && { access: patch.access }),
        ...(patch.syndicated !== undefined && { syndicated_agency: patch.syndicated?.agency ?? null }),
        ...(patch.publishedAt !== undefined && { published_at: patch.publishedAt }),
        ...bodyColumns(body, headline, standfirst),
        updated_at: now(),
      };
      if (patch.slug === undefined) await q.updateArticle(db, current.id, changes);
      else
        await withUniqueSlug(patch.slug, headline, current.id, (slug) =>
          q.updateArticle(db, current.id, { ...changes, slug }),
        );
      forgetCached();
      return (await editorial(current.id))!;
    },

    async remove(idOrSlug) {
      const current = await q.selectArticle(db, idOrSlug);
      if (!current || !(await q.deleteArticle(db, current.id))) throw notFound('The article');
      forgetCached();
    },
  };
}
