import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Dialect } from '../../db/database.js';
import type { Database } from '../../db/schema.js';
import type { Clock } from '../../kernel/clock.js';
import { AppError, notFound } from '../../kernel/errors.js';
import { isUniqueViolation } from '../../db/errors.js';
import { newId } from '../../kernel/ids.js';
import type { TtlCache } from '../../kernel/ttl-cache.js';
import type { SettingsStore } from '../settings/index.js';
import type { JobHandler } from '../queue/index.js';
import {
  searchTextOf,
  searchWords,
  searchableText,
  slugify,
  bodyFormat,
  unsafeBelowFormat,
  cutTeaser,
  maxTeaserParagraphs,
  plainText,
  prepareBody,
  moveTo,
  publicationMoment,
  sectionSlug,
  type ArticleAccess,
  type ArticleStatus,
  type StoredStatus,
  type ArticleSummary,
  type PublishedBody,
  type SearchHit,
  type Section,
} from './domain.js';
import { prepareSource, type BodySourceFormat } from './markdown.js';
import * as q from './queries.js';
import * as search from './search-queries.js';

export interface ArticleInput {
  readonly headline: string;
  readonly standfirst?: string;
  readonly byline?: string;
  /**
   * The body as written: `body` in HTML, or `bodyMarkdown` in Markdown (rendered to HTML, and
   * kept so that the editor reopens with it). Exactly one on create; on update, giving one
   * replaces the body and its format, giving neither keeps both. Either is cleaned on save.
   */
  readonly body?: string;
  readonly bodyMarkdown?: string;
  /** Section slug. */
  readonly section: string;
  readonly access: ArticleAccess;
  /**
   * A benefit key the article needs besides its section's (null or absent: none). The caller
   * checks it is a benefit of the catalogue, as it does for a section's.
   */
  readonly requiredBenefit?: string | null;
  /**
   * Wire copy: the agency's name (the disclaimer names it) and, for an imported item, its GUID.
   * An article is imported from one GUID once: a second create with it is a `conflict`.
   */
  readonly syndicated?: { readonly agency: string; readonly guid?: string } | null;
  readonly publishedAt?: string;
  readonly slug?: string;
  /**
   * `draft`: saved, not shown. `published` (the default): shown from `publishedAt` (now by
   * default; a future one schedules it). `scheduled`: the same, and `publishedAt` must be ahead.
   */
  readonly status?: 'draft' | 'published' | 'scheduled';
}

/** A body as the editor wrote it. */
interface WrittenBody {
  readonly format: BodySourceFormat;
  readonly source: string;
}

/** An article as the newsroom lists it: with its stored status. */
export interface NewsroomSummary extends ArticleSummary {
  readonly status: StoredStatus;
}

/** An article as the newsroom sees it: with the whole body. */
export interface EditorialArticle extends NewsroomSummary {
  readonly bodyHtml: string;
  /** The Markdown the body was written in; null for a body written in HTML. */
  readonly bodyMarkdown: string | null;
}

/** A section to create: the slug is made from the name when not given. */
export interface SectionInput {
  readonly name: string;
  readonly slug?: string;
  /** 0-based place in the order; the end by default. */
  readonly position?: number;
  /** A benefit key its articles need (a premium vertical), or null. */
  readonly requiredBenefit?: string | null;
}

/** The front page as the newsroom sets it. */
export interface FrontPage {
  /** The pinned lead story; null: the latest published article leads. */
  readonly leadArticleId: string | null;
}

const frontPageKey = 'frontPage';
const frontPageSchema = z.object({ leadArticleId: z.string().nullable().default(null) });

export interface ListOptions {
  readonly section?: string;
  readonly access?: ArticleAccess;
  /** The admin's substring match; readers search with `search`. */
  readonly q?: string;
  readonly before?: string;
  readonly since?: string;
  /** The admin's filter: `scheduled` means published with a `publishedAt` still ahead. */
  readonly status?: ArticleStatus;
  readonly limit: number;
  /** Articles to pass over first: the admin's list pages through them. */
  readonly offset?: number;
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
  /** An ordinary section at the end of the order (the demo, tests); see `addSection`. */
  createSection(slug: string, name: string): Promise<Section>;
  /**
   * Creates a section, placed at `position` (the others move down one). A slug taken already
   * is a `conflict`; a name that gives no slug is `validation_failed`.
   */
  addSection(input: SectionInput): Promise<Section>;
  /**
   * Renames, re-slugs, moves (positions stay 0, 1, 2… in order) or changes the benefit a
   * section requires. Its articles stay in it: they refer to it by id.
   */
  updateSection(slug: string, patch: Partial<SectionInput>): Promise<Section>;
  /** The lead story readers see first on the front page: the pinned one while it is live, else the latest. */
  frontPageLead(): Promise<ArticleSummary | undefined>;
  frontPage(): Promise<FrontPage>;
  /** Pins a lead story (it must exist; it leads once, and while, it is live) or, with null, unpins. */
  setFrontPage(page: FrontPage): Promise<FrontPage>;
  /** Which of these feed GUIDs an imported article already carries. */
  wireGuidsTaken(guids: readonly string[]): Promise<Set<string>>;
  findPublished(idOrSlug: string): Promise<ArticleSummary | undefined>;
  /** The whole body: call only after the reader was granted access. */
  body(articleId: string): Promise<PublishedBody>;
  /** Published articles, newest first (`status` is the admin's filter, not a reader's). */
  listPublished(options: Omit<ListOptions, 'status'>): Promise<ArticleSummary[]>;
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
  list(options: ListOptions): Promise<NewsroomSummary[]>;
  create(input: ArticleInput): Promise<EditorialArticle>;
  /** Changes an article's fields; its status changes only through `publish` and `unpublish`. */
  update(idOrSlug: string, patch: Partial<Omit<ArticleInput, 'status'>>): Promise<EditorialArticle>;
  /**
   * Publishes a draft or a taken-down article: at `publishedAt` (a future one schedules it);
   * by default a draft now (or at its planned moment if still ahead), a taken-down article at
   * its original date.
   */
  publish(idOrSlug: string, publishedAt?: string): Promise<EditorialArticle>;
  /**
   * Takes an article down: it leaves every reader representation at once (pages, feeds, the
   * API, search, the sitemap); the newsroom keeps it, and can publish it again.
   */
  unpublish(idOrSlug: string): Promise<EditorialArticle>;
  remove(idOrSlug: string): Promise<void>;
  /**
   * Prepares again every article whose stored teaser may show hidden text (a format below
   * `unsafeBelowFormat`), a batch at a time: body, teaser and search text as a save would write
   * them now. Run before serving (`masthead migrate`, `masthead start`). A body that no longer
   * has any text is left as it was and named in `failed`. Then gives every article the search
   * index does not hold yet its row (`indexed`). Articles of a later but older format are left
   * to the background job (`outdatedBodies`, `handlers`).
   */
  upgradeStoredBodies(): Promise<{ upgraded: number; failed: string[]; indexed: number }>;
  /** How many articles an older preparation stored (`bodyFormat`): the background job's work. */
  outdatedBodies(): Promise<number>;
  /**
   * `content:prepare-bodies` (`prepareBodiesJob`): prepares again, in the background, every
   * article an older (safe) preparation stored, a batch at a time, reporting progress; an
   * article saved meanwhile is left as saved. Resumes where a dead try stopped.
   */
  readonly handlers: readonly JobHandler<unknown>[];
}

/** The kind of the background job that prepares stored bodies again. */
export const prepareBodiesJob = 'content:prepare-bodies';

/**
 * Sections, published articles and their bodies are read on every page view and change rarely,
 * so they are cached (`caches.sections`, `caches.articles`, `caches.articleBodies`). A change
 * made through this service clears them at once; other instances see it within the TTL.
 */
export function createContentService(deps: {
  db: Kysely<Database>;
  /** Where the front page's pinned lead is kept (key `frontPage`). */
  settings: SettingsStore;
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
  const { db, clock, dialect, settings } = deps;
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

  async function sectionById(id: string): Promise<Section> {
    const section = (await q.selectSections(db)).find((s) => s.id === id);
    if (!section) throw notFound('The section');
    return section;
  }

  async function slugFree(slug: string, exceptId?: string): Promise<void> {
    const taken = (await q.selectSections(db)).some((s) => s.slug === slug && s.id !== exceptId);
    if (taken) throw new AppError('conflict', `The section slug "${slug}" is taken.`, { field: 'slug' });
  }

  /** Runs a section write; the database's unique slug refuses a race the check above missed. */
  async function sectionWrite(slug: string, write: () => Promise<void>): Promise<void> {
    try {
      await write();
    } catch (error) {
      if (isUniqueViolation(error))
        throw new AppError('conflict', `The section slug "${slug}" is taken.`, { field: 'slug' });
      throw error;
    } finally {
      forgetCached();
    }
  }

  async function guidConflict(guid: string | undefined): Promise<AppError | undefined> {
    if (guid === undefined || (await q.selectTakenWireGuids(db, [guid])).length === 0) return undefined;
    return new AppError('conflict', `The feed item "${guid}" was imported already.`, { guid });
  }

  async function editorial(idOrSlug: string): Promise<EditorialArticle | undefined> {
    const article = await q.selectArticle(db, idOrSlug);
    if (!article) return undefined;
    return { ...article, ...(await q.selectBodyAndSource(db, article.id)) };
  }

  /** The body as written, from an input that gives exactly one of `body` and `bodyMarkdown`. */
  function writtenBody(input: Pick<ArticleInput, 'body' | 'bodyMarkdown'>): WrittenBody | undefined {
    if (input.body !== undefined && input.bodyMarkdown !== undefined) {
      throw new AppError('validation_failed', 'body: give the body in HTML or in Markdown, not both.', {
        field: 'body',
      });
    }
    if (input.bodyMarkdown !== undefined) return { format: 'markdown', source: input.bodyMarkdown };
    return input.body === undefined ? undefined : { format: 'html', source: input.body };
  }

  function bodyColumns(body: WrittenBody, headline: string, standfirst: string) {
    // The teaser is stored at its longest and cut when shown (`maxTeaserParagraphs`).
    const { teaserHtml, bodyHtml } = prepareSource(body.format, body.source, maxTeaserParagraphs);
    if (bodyHtml === '') {
      const field = body.format === 'markdown' ? 'bodyMarkdown' : 'body';
      throw new AppError('validation_failed', `${field}: the body has no text once cleaned.`, { field });
    }
    return {
      teaser_html: teaserHtml,
      body_html: bodyHtml,
      body_markdown: body.format === 'markdown' ? body.source : null,
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
      // The first paragraph only, whatever the teaser setting: search never matches or quotes
      // more than the shortest teaser a reader may be shown.
      teaser: searchableText(plainText(cutTeaser(row.teaser_html, 1))),
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

  /**
   * Prepares again the articles stored by a format below `below`, a batch at a time; `batchDone`
   * hears after each batch how many were prepared so far.
   */
  async function prepareStored(below: number, batchDone?: (prepared: number) => Promise<void>) {
    let upgraded = 0;
    const failed: string[] = [];
    for (let after = ''; ;) {
      const batch = await q.selectArticlesToPrepare(db, below, after, 200);
      if (batch.length === 0) break;
      for (const article of batch) {
        // A Markdown body is prepared from what was written, as a save would.
        const { teaserHtml, bodyHtml } =
          article.body_markdown === null
            ? prepareBody(article.body_html, maxTeaserParagraphs)
            : prepareSource('markdown', article.body_markdown, maxTeaserParagraphs);
        if (bodyHtml === '') failed.push(article.id);
        else {
          const written = await db.transaction().execute(async (trx) => {
            // An article saved since the batch was read keeps what its save wrote.
            const wrote = await q.updateOutdatedBody(trx, article.id, below, {
              teaser_html: teaserHtml,
              body_html: bodyHtml,
              search_text: searchTextOf(article.headline, article.standfirst, teaserHtml),
              body_format: bodyFormat,
            });
            // The new teaser is what search may match and quote from now on.
            if (wrote)
              await search.upsertSearchDoc(
                trx,
                searchDoc(article.id, { ...article, teaser_html: teaserHtml }),
              );
            return wrote;
          });
          if (written) upgraded++;
        }
      }
      after = batch.at(-1)!.id;
      await batchDone?.(upgraded);
    }
    if (upgraded > 0) forgetCached();
    return { upgraded, failed };
  }

  async function upgradeStoredBodies() {
    const { upgraded, failed } = await prepareStored(unsafeBelowFormat);
    const indexed = await indexMissing();
    return { upgraded, failed, indexed };
  }

  const prepareBodiesHandler: JobHandler<Record<string, never>> = {
    kind: prepareBodiesJob,
    parse: (payload) => z.object({}).strict().parse(payload) as Record<string, never>,
    // A batch of 200 takes about a second; progress after each renews the lease.
    leaseMs: 120_000,
    async run(_payload, context) {
      const total = await q.countArticlesToPrepare(db, bodyFormat);
      await prepareStored(bodyFormat, (done) =>
        context.progress({ done, total, note: 'preparing stored article bodies again' }),
      );
      // Cached pages show the longer teasers within the caches' TTL.
      forgetCached();
    },
  };

  async function findPublished(idOrSlug: string): Promise<ArticleSummary | undefined> {
    // The cache holds published articles only (scheduled ones too: their time is checked here).
    const article = await articleCache.get(idOrSlug, async () => {
      const found = await q.selectArticle(db, idOrSlug);
      return found?.status === 'published' ? found : undefined;
    });
    // Misses are not kept: anyone can ask for any slug, and must not push real articles out.
    if (!article) articleCache.delete(idOrSlug);
    return article && article.publishedAt <= now() ? article : undefined;
  }

  /** Puts an article in search (published, even if scheduled: search checks the time) or takes it out. */
  async function indexAs(trx: Kysely<Database>, status: StoredStatus, doc: search.SearchDoc): Promise<void> {
    if (status === 'published') await search.upsertSearchDoc(trx, doc);
    else await search.deleteSearchDoc(trx, doc.articleId);
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
    async addSection(input) {
      const slug = input.slug ?? sectionSlug(input.name);
      if (slug === '')
        throw new AppError('validation_failed', 'name: give a name with letters or digits, or a slug.', {
          field: 'slug',
        });
      await slugFree(slug);
      const id = newId('sec');
      await sectionWrite(slug, () =>
        db.transaction().execute(async (trx) => {
          const ordered = (await q.selectSections(trx)).map((s) => s.id);
          await q.insertSection(trx, { id, slug, name: input.name, position: ordered.length });
          if (input.requiredBenefit)
            await q.updateSection(trx, id, { required_benefit: input.requiredBenefit });
          await q.renumberSections(trx, moveTo([...ordered, id], id, input.position ?? ordered.length));
        }),
      );
      return sectionById(id);
    },
    async updateSection(slug, patch) {
      const current = (await q.selectSections(db)).find((s) => s.slug === slug);
      if (!current) throw notFound('The section');
      if (patch.slug !== undefined) await slugFree(patch.slug, current.id);
      await sectionWrite(patch.slug ?? slug, () =>
        db.transaction().execute(async (trx) => {
          const changes = {
            ...(patch.name !== undefined && { name: patch.name }),
            ...(patch.slug !== undefined && { slug: patch.slug }),
            ...(patch.requiredBenefit !== undefined && { required_benefit: patch.requiredBenefit }),
          };
          if (Object.keys(changes).length > 0) await q.updateSection(trx, current.id, changes);
          if (patch.position !== undefined) {
            const ordered = (await q.selectSections(trx)).map((s) => s.id);
            await q.renumberSections(trx, moveTo(ordered, current.id, patch.position));
          }
        }),
      );
      return sectionById(current.id);
    },
    async frontPage() {
      return settings.read(frontPageKey, frontPageSchema);
    },
    async setFrontPage(page) {
      if (page.leadArticleId !== null && !(await q.selectArticle(db, page.leadArticleId))) {
        throw new AppError(
          'validation_failed',
          `leadArticleId: there is no article "${page.leadArticleId}".`,
          {
            field: 'leadArticleId',
          },
        );
      }
      // Stored by id: a slug can change.
      const id = page.leadArticleId && (await q.selectArticle(db, page.leadArticleId))!.id;
      return settings.write(frontPageKey, frontPageSchema, { leadArticleId: id });
    },
    async frontPageLead() {
      const { leadArticleId } = await settings.read(frontPageKey, frontPageSchema);
      const pinned = leadArticleId === null ? undefined : await findPublished(leadArticleId);
      return pinned ?? (await q.selectArticles(db, { limit: 1, publishedBy: now() }))[0];
    },
    async wireGuidsTaken(guids) {
      return new Set(await q.selectTakenWireGuids(db, guids));
    },
    findPublished,
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
    outdatedBodies: () => q.countArticlesToPrepare(db, bodyFormat),
    handlers: [prepareBodiesHandler as JobHandler<unknown>],
    find: editorial,
    list: ({ status, ...options }) =>
      q.selectArticles(db, {
        ...options,
        ...(status !== undefined && { status: { is: status, now: now() } }),
      }),

    async create(input) {
      const id = newId('art');
      const at = now();
      const standfirst = input.standfirst ?? '';
      if (input.status === 'scheduled' && !(input.publishedAt !== undefined && input.publishedAt > at)) {
        throw new AppError(
          'validation_failed',
          'publishedAt: a scheduled article needs a moment in the future.',
          {
            field: 'publishedAt',
          },
        );
      }
      const status: StoredStatus = input.status === 'draft' ? 'draft' : 'published';
      const body = writtenBody(input);
      if (body === undefined)
        throw new AppError('validation_failed', 'body: give the body, in HTML or in Markdown.', {
          field: 'body',
        });
      const guid = input.syndicated?.guid;
      const duplicate = await guidConflict(guid);
      if (duplicate) throw duplicate;
      const row = {
        id,
        headline: input.headline,
        standfirst,
        byline: input.byline ?? input.syndicated?.agency ?? '',
        section_id: await sectionId(input.section),
        access: input.access,
        required_benefit: input.requiredBenefit ?? null,
        syndicated_agency: input.syndicated?.agency ?? null,
        wire_guid: guid ?? null,
        status,
        ...bodyColumns(body, input.headline, standfirst),
        published_at: input.publishedAt ?? at,
        created_at: at,
        updated_at: at,
      };
      try {
        await withUniqueSlug(input.slug, input.headline, undefined, (slug) =>
          db.transaction().execute(async (trx) => {
            await q.insertArticle(trx, { ...row, slug });
            if (status === 'published') await search.upsertSearchDoc(trx, searchDoc(id, row));
          }),
        );
      } catch (error) {
        // Two imports of one item at once: the unique GUID refuses the second.
        throw (isUniqueViolation(error) && (await guidConflict(guid))) || error;
      }
      forgetCached();
      return (await editorial(id))!;
    },

    async update(idOrSlug, patch) {
      const current = await editorial(idOrSlug);
      if (!current) throw notFound('The article');
      const headline = patch.headline ?? current.headline;
      const standfirst = patch.standfirst ?? current.standfirst;
      // Neither given: the body is prepared again from what was written, in its format.
      const body: WrittenBody =
        writtenBody(patch) ??
        (current.bodyMarkdown === null
          ? { format: 'html', source: current.bodyHtml }
          : { format: 'markdown', source: current.bodyMarkdown });
      const changes = {
        headline,
        standfirst,
        ...(patch.byline !== undefined && { byline: patch.byline }),
        ...(patch.section !== undefined && { section_id: await sectionId(patch.section) }),
        ...(patch.access !== undefined && { access: patch.access }),
        ...(patch.requiredBenefit !== undefined && { required_benefit: patch.requiredBenefit }),
        ...(patch.syndicated !== undefined && { syndicated_agency: patch.syndicated?.agency ?? null }),
        ...(patch.syndicated?.guid !== undefined && { wire_guid: patch.syndicated.guid }),
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
          await indexAs(trx, current.status, doc);
        });
      if (patch.slug === undefined) await save();
      else await withUniqueSlug(patch.slug, headline, current.id, save);
      forgetCached();
      return (await editorial(current.id))!;
    },

    async publish(idOrSlug, publishedAt) {
      const current = await editorial(idOrSlug);
      if (!current) throw notFound('The article');
      const at = publicationMoment(current, publishedAt, now());
      const section = await sectionId(current.section.slug);
      await db.transaction().execute(async (trx) => {
        await q.updateArticle(trx, current.id, { status: 'published', published_at: at, updated_at: now() });
        await search.upsertSearchDoc(
          trx,
          searchDoc(current.id, {
            section_id: section,
            published_at: at,
            headline: current.headline,
            standfirst: current.standfirst,
            teaser_html: current.teaserHtml,
          }),
        );
      });
      forgetCached();
      return (await editorial(current.id))!;
    },

    async unpublish(idOrSlug) {
      const current = await editorial(idOrSlug);
      if (!current) throw notFound('The article');
      await db.transaction().execute(async (trx) => {
        await q.updateArticle(trx, current.id, { status: 'unpublished', updated_at: now() });
        await search.deleteSearchDoc(trx, current.id);
      });
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
