import type { Kysely } from 'kysely';
import { escapeLike, like } from '../../db/like.js';
import type { Database, NewArticleRow, ArticleUpdate } from '../../db/schema.js';
import type { ArticleAccess, ArticleStatus, ArticleSummary, Section, StoredStatus } from './domain.js';

// Every public query selects these columns and never `body_html`: the body is loaded only by
// `selectBody`, after the access decision.
const summaryColumns = [
  'a.id',
  'a.slug',
  'a.headline',
  'a.standfirst',
  'a.byline',
  'a.access',
  'a.required_benefit',
  'a.syndicated_agency',
  'a.teaser_html',
  'a.published_at',
  'a.updated_at',
  'a.status',
  's.slug as section_slug',
  's.name as section_name',
  's.required_benefit as section_required_benefit',
] as const;

function summaries(db: Kysely<Database>) {
  return db
    .selectFrom('articles as a')
    .innerJoin('sections as s', 's.id', 'a.section_id')
    .select(summaryColumns);
}

type SummaryRow = Awaited<ReturnType<ReturnType<typeof summaries>['executeTakeFirstOrThrow']>>;

export function toSummary(row: SummaryRow): ArticleSummary {
  return {
    id: row.id,
    slug: row.slug,
    headline: row.headline,
    standfirst: row.standfirst,
    byline: row.byline,
    section: {
      slug: row.section_slug,
      name: row.section_name,
      requiredBenefit: row.section_required_benefit,
    },
    access: row.access,
    requiredBenefit: row.required_benefit,
    syndicated: row.syndicated_agency === null ? null : { agency: row.syndicated_agency },
    teaserHtml: row.teaser_html,
    publishedAt: row.published_at,
    updatedAt: row.updated_at,
  };
}

/** A summary with the article's stored status: what the newsroom (and the cache) need to know. */
export type StatusedSummary = ArticleSummary & { readonly status: StoredStatus };

const toStatused = (row: SummaryRow): StatusedSummary => ({ ...toSummary(row), status: row.status });

export async function selectArticle(
  db: Kysely<Database>,
  idOrSlug: string,
): Promise<StatusedSummary | undefined> {
  const row = await summaries(db)
    .where((eb) => eb.or([eb('a.id', '=', idOrSlug), eb('a.slug', '=', idOrSlug)]))
    .executeTakeFirst();
  return row && toStatused(row);
}

/** The newsroom's view of the body: the stored HTML and the Markdown it came from, if any. */
export async function selectBodyAndSource(
  db: Kysely<Database>,
  articleId: string,
): Promise<{ bodyHtml: string; bodyMarkdown: string | null }> {
  const row = await db
    .selectFrom('articles')
    .select(['body_html', 'body_markdown'])
    .where('id', '=', articleId)
    .executeTakeFirst();
  return { bodyHtml: row?.body_html ?? '', bodyMarkdown: row?.body_markdown ?? null };
}

export async function selectBody(db: Kysely<Database>, articleId: string): Promise<string> {
  const row = await db
    .selectFrom('articles')
    .select('body_html')
    .where('id', '=', articleId)
    .executeTakeFirst();
  return row?.body_html ?? '';
}

export interface ArticleFilter {
  readonly section?: string;
  readonly access?: ArticleAccess;
  /**
   * Words that must all appear in the headline, standfirst or teaser (a plain substring match,
   * for the admin's list; readers search through `searchArticles`, ranked).
   */
  readonly q?: string;
  /** Only articles published strictly before this instant. */
  readonly before?: string;
  /** Only articles published at or after this instant. */
  readonly since?: string;
  /** Only articles readers may see at this instant: published, and not scheduled later. */
  readonly publishedBy?: string;
  /** The admin's filter by status, as of `now`. */
  readonly status?: { readonly is: ArticleStatus; readonly now: string };
  readonly limit: number;
  /** Rows to pass over first (the admin's pages of the list). */
  readonly offset?: number;
}

export async function selectArticles(
  db: Kysely<Database>,
  filter: ArticleFilter,
): Promise<StatusedSummary[]> {
  let query = summaries(db);
  if (filter.section !== undefined) query = query.where('s.slug', '=', filter.section);
  if (filter.publishedBy !== undefined) {
    query = query.where('a.status', '=', 'published').where('a.published_at', '<=', filter.publishedBy);
  }
  if (filter.status !== undefined) {
    const { is, now } = filter.status;
    if (is === 'draft' || is === 'unpublished') query = query.where('a.status', '=', is);
    else {
      query = query
        .where('a.status', '=', 'published')
        .where('a.published_at', is === 'scheduled' ? '>' : '<=', now);
    }
  }
  if (filter.before !== undefined) query = query.where('a.published_at', '<', filter.before);
  if (filter.since !== undefined) query = query.where('a.published_at', '>=', filter.since);
  if (filter.access !== undefined) query = query.where('a.access', '=', filter.access);
  for (const word of (filter.q ?? '').toLowerCase().split(/\s+/).filter(Boolean).slice(0, 8)) {
    query = query.where(like('a.search_text', `%${escapeLike(word)}%`));
  }
  const rows = await query
    .orderBy('a.published_at', 'desc')
    .orderBy('a.id', 'desc')
    .limit(filter.limit)
    .offset(filter.offset ?? 0)
    .execute();
  return rows.map(toStatused);
}

/** Number of published articles per year, newest year first. */
export async function selectYearCounts(
  db: Kysely<Database>,
  publishedBy: string,
): Promise<{ year: number; count: number }[]> {
  const rows = await db
    .selectFrom('articles')
    .select((eb) => [
      eb.fn<string>('substr', ['published_at', eb.val(1), eb.val(4)]).as('year'),
      eb.fn.countAll<number>().as('count'),
    ])
    .where('status', '=', 'published')
    .where('published_at', '<=', publishedBy)
    .groupBy('year')
    .orderBy('year', 'desc')
    .execute();
  return rows.map((row) => ({ year: Number(row.year), count: Number(row.count) }));
}

/** Number of published articles per month of `year` (months 1–12), oldest first. */
export async function selectMonthCounts(
  db: Kysely<Database>,
  year: number,
  publishedBy: string,
): Promise<{ month: number; count: number }[]> {
  const rows = await db
    .selectFrom('articles')
    .select((eb) => [
      eb.fn<string>('substr', ['published_at', eb.val(6), eb.val(2)]).as('month'),
      eb.fn.countAll<number>().as('count'),
    ])
    .where('published_at', '>=', `${year}-01-01T00:00:00.000Z`)
    .where('published_at', '<', `${year + 1}-01-01T00:00:00.000Z`)
    .where('status', '=', 'published')
    .where('published_at', '<=', publishedBy)
    .groupBy('month')
    .orderBy('month')
    .execute();
  return rows.map((row) => ({ month: Number(row.month), count: Number(row.count) }));
}

export async function selectSections(db: Kysely<Database>): Promise<Section[]> {
  return db
    .selectFrom('sections')
    .select(['id', 'slug', 'name', 'required_benefit as requiredBenefit'])
    .orderBy('position')
    .orderBy('id')
    .execute();
}

export async function updateSection(
  db: Kysely<Database>,
  id: string,
  patch: { slug?: string; name?: string; required_benefit?: string | null },
): Promise<void> {
  await db.updateTable('sections').set(patch).where('id', '=', id).execute();
}

/** Gives the sections positions 0, 1, 2… in the order of `ids`. */
export async function renumberSections(db: Kysely<Database>, ids: readonly string[]): Promise<void> {
  for (const [position, id] of ids.entries()) {
    await db.updateTable('sections').set({ position }).where('id', '=', id).execute();
  }
}

export async function updateSectionRequirement(
  db: Kysely<Database>,
  slug: string,
  requiredBenefit: string | null,
): Promise<boolean> {
  const result = await db
    .updateTable('sections')
    .set({ required_benefit: requiredBenefit })
    .where('slug', '=', slug)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function insertSection(
  db: Kysely<Database>,
  section: Omit<Section, 'requiredBenefit'> & { position: number },
): Promise<void> {
  await db.insertInto('sections').values(section).execute();
}

export async function insertArticle(db: Kysely<Database>, row: NewArticleRow): Promise<void> {
  await db.insertInto('articles').values(row).execute();
}

export async function updateArticle(db: Kysely<Database>, id: string, patch: ArticleUpdate): Promise<void> {
  await db.updateTable('articles').set(patch).where('id', '=', id).execute();
}

/**
 * Writes a body prepared again, unless the article was saved since it was read (a save writes
 * the current format): answers whether it wrote.
 */
export async function updateOutdatedBody(
  db: Kysely<Database>,
  id: string,
  below: number,
  patch: ArticleUpdate,
): Promise<boolean> {
  const result = await db
    .updateTable('articles')
    .set(patch)
    .where('id', '=', id)
    .where('body_format', '<', below)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** How many articles an older `bodyFormat` than `format` prepared. */
export async function countArticlesToPrepare(db: Kysely<Database>, format: number): Promise<number> {
  const row = await db
    .selectFrom('articles')
    .select((eb) => eb.fn.countAll<string | number>().as('n'))
    .where('body_format', '<', format)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** A batch of articles whose body was prepared by an older `bodyFormat`, in id order after `afterId`. */
export async function selectArticlesToPrepare(
  db: Kysely<Database>,
  format: number,
  afterId: string,
  limit: number,
) {
  return db
    .selectFrom('articles')
    .select(['id', 'headline', 'standfirst', 'body_html', 'body_markdown', 'section_id', 'published_at'])
    .where('body_format', '<', format)
    .where('id', '>', afterId)
    .orderBy('id')
    .limit(limit)
    .execute();
}

export async function deleteArticle(db: Kysely<Database>, id: string): Promise<boolean> {
  const result = await db.deleteFrom('articles').where('id', '=', id).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

export async function slugTaken(db: Kysely<Database>, slug: string, exceptId?: string): Promise<boolean> {
  let query = db.selectFrom('articles').select('id').where('slug', '=', slug);
  if (exceptId !== undefined) query = query.where('id', '!=', exceptId);
  return (await query.executeTakeFirst()) !== undefined;
}

/** Which of `guids` an imported article already carries. */
export async function selectTakenWireGuids(
  db: Kysely<Database>,
  guids: readonly string[],
): Promise<string[]> {
  if (guids.length === 0) return [];
  const rows = await db.selectFrom('articles').select('wire_guid').where('wire_guid', 'in', guids).execute();
  return rows.flatMap((row) => (row.wire_guid === null ? [] : [row.wire_guid]));
}

export async function countArticles(db: Kysely<Database>): Promise<number> {
  const row = await db
    .selectFrom('articles')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
