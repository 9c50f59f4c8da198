import type { Kysely } from 'kysely';
import type { Dialect } from '../../db/database.js';
import type { Database } from '../../db/schema.js';
import type { Clock } from '../../kernel/clock.js';
import { AppError, notFound } from '../../kernel/errors.js';
import { isUniqueViolation } from '../../db/errors.js';
import { newId } from '../../kernel/ids.js';
import type { TtlCache } from '../../kernel/ttl-cache.js';
import {
  searchTextOf,
  searchWords,
  searchableText,
  slugify,
  bodyFormat,
  plainText,
  prepareBody,
  type ArticleAccess,
  type ArticleSummary,
  type PublishedBody,
  type SearchHit,
  type Section,
} from './domain.js';
import * as q from './queries.js';
import * as search from './search-queries.js';

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
  readonly access?: ArticleAccess;
  /** The admin's substring match; readers search with `search`. */
  readonly q?: string;
  readonly before?: string;
  readonly since?: string;
  readonly limit: number;
}

export interface SearchOptions {
  /** What the reader typed: only its letters and digits count (at most eight words). */
  readonly q: string;
  readonly section?: string;
  /** Published at or after this instant. */
  readonly from?: string;
  /** Published strictly before this instant. */
  readonly before?: string;
  readonly limit: number;
  readonly offset?: number;
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
  /** Published articles per month (1–12) of `year`, oldest month first; empty months left out. */
  monthsWithArticles(year: number): Promise<{ month: number; count: number }[]>;
  /**
   * Full-text search over published articles' headline, standfirst and teaser (never the rest
   * of the body), ranked, each hit with a highlighted snippet. An unknown section finds nothing.
   */
  search(options: SearchOptions): Promise<SearchHit[]>;
  count(): Promise<number>;
  /** Makes a section a premium vertical whose articles need `benefit`, or (null) an ordinary one. */
  setSectionRequirement(slug: string, benefit: string | null): Promise<Section>;

  find(idOrSlug: string): Promise<EditorialArticle | undefined>;
  list(options: ListOptions): Promise<ArticleSummary[]>;
  create(input: ArticleInput): Promise<EditorialArticle>;
  update(idOrSlug: string, patch: Partial<ArticleInput>): Promise<EditorialArticle>;
  remove(idOrSlug: string): Promise<void>;
  /**
   * Prepares again every article whose body an older preparation stored (`bodyFormat`), a
   * batch at a time: body, teaser and search text as a save would write them now. Run before
   * serving (`masthead migrate`, `masthead start`), since an old teaser may show hidden text.
   * A body that no longer has any text is left as it was and named in `failed`. Then gives
   * every article the search index does not hold yet its row (`indexed`).
   */
  upgradeStoredBodies(): Promise<{ upgraded: number; failed: string[]; indexed: number }>;
}

/**
 * Sections, published articles and their bodies are read on every page view and change rarely,
 * so they are cached (`caches.sections`, `caches.articles`, `caches.articleBodies`). A change
 * made through this service clears them at once; other instances see it within the TTL.
 */
export function createContentService(deps: {
  db: Kysely<Database>;
  /** Full-text search is written once per database: FTS5 on SQLite, tsvector on PostgreSQL. */
  dialect: Dialect;
  clock: Clock;
  caches: {
    readonly sections: TtlCache<'all', Section[]>;
    /** By id and by slug. */
    readonly articles: TtlCache<string, ArticleSummary | undefined>;
    /** By article id. */
    readonly bodies: TtlCache<string, PublishedBody>;
  };
}): ContentService {
  const { db, clock, dialect } = deps;
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

  /** The search index's row for an article, from the columns a save writes. */
  function searchDoc(
    articleId: string,
    row: {
      section_id: string;
      published_at: string;
      headline: string;
      standfirst: string;
      teaser_html: string;
    },
  ): search.SearchDoc {
    return {
      articleId,
      sectionId: row.section_id,
      publishedAt: row.published_at,
      headline: searchableText(row.headline),
      standfirst: searchableText(row.standfirst),
      teaser: searchableText(plainText(row.teaser_html)),
    };
  }

  /** Articles the search index does not hold yet (saved before it existed), a batch at a time. */
  async function indexMissing(): Promise<number> {
    let indexed = 0;
    for (let after = ''; ;) {
      const batch = await search.selectArticlesToIndex(db, after, 500);
      if (batch.length === 0) return indexed;
      await db.transaction().execute(async (trx) => {
        for (const article of batch) await search.upsertSearchDoc(trx, searchDoc(article.id, article));
      });
      indexed += batch.length;
      after = batch.at(-1)!.id;
    }
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
          await db.transaction().execute(async (trx) => {
            await q.updateArticle(trx, article.id, {
              teaser_html: teaserHtml,
              body_html: bodyHtml,
              search_text: searchTextOf(article.headline, article.standfirst, teaserHtml),
              body_format: bodyFormat,
            });
            // The new teaser is what search may match and quote from now on.
            await search.upsertSearchDoc(trx, searchDoc(article.id, { ...article, teaser_html: teaserHtml }));
          });
          upgraded++;
        }
      }
      after = batch.at(-1)!.id;
    }
    const indexed = await indexMissing();
    if (upgraded > 0) forgetCached();
    return { upgraded, failed, indexed };
  }

  return {
    sections: () => sectionCache.get('all', () => q.selectSections(db)),
    async createSection(slug, name) {
      const existing = await q.selectSections(db);
      const section = { id: newId('sec'), slug, name };
      await q.insertSection(db, { ...section, position: existing.length });
      forgetCached();
      return { ...section, requiredBenefit: null };
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
    monthsWithArticles: (year) => q.selectMonthCounts(db, year, now()),
    async search(options) {
      let sectionId: string | undefined;
      if (options.section !== undefined) {
        sectionId = (await sectionCache.get('all', () => q.selectSections(db))).find(
          (s) => s.slug === options.section,
        )?.id;
        if (sectionId === undefined) return [];
      }
      return search.searchArticles(db, dialect, {
        words: searchWords(options.q),
        sectionId,
        from: options.from,
        to: options.before,
        publishedBy: now(),
        limit: options.limit,
        offset: options.offset ?? 0,
      });
    },
    count: () => q.countArticles(db),
    async setSectionRequirement(slug, benefit) {
      if (!(await q.updateSectionRequirement(db, slug, benefit))) throw notFound('The section');
      forgetCached();
      const section = (await q.selectSections(db)).find((s) => s.slug === slug);
      if (!section) throw notFound('The section');
      return section;
    },

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
        db.transaction().execute(async (trx) => {
          await q.insertArticle(trx, { ...row, slug });
          await search.upsertSearchDoc(trx, searchDoc(id, row));
        }),
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
      const doc = searchDoc(current.id, {
        section_id: changes.section_id ?? (await sectionId(current.section.slug)),
        published_at: changes.published_at ?? current.publishedAt,
        headline,
        standfirst,
        teaser_html: changes.teaser_html,
      });
      const save = (slug?: string) =>
        db.transaction().execute(async (trx) => {
          await q.updateArticle(trx, current.id, slug === undefined ? changes : { ...changes, slug });
          await search.upsertSearchDoc(trx, doc);
        });
      if (patch.slug === undefined) await save();
      else await withUniqueSlug(patch.slug, headline, current.id, save);
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
