import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Dialect } from '../../db/database.js';
import type { Database } from '../../db/schema.js';
import { searchMark, type SearchHit } from './domain.js';
import { toSummary } from './queries.js';

/** What the search index holds of one article: never more of the body than the teaser. */
export interface SearchDoc {
  readonly articleId: string;
  readonly sectionId: string;
  readonly publishedAt: string;
  readonly headline: string;
  readonly standfirst: string;
  /** The teaser as plain text. */
  readonly teaser: string;
}

/** Writes (or rewrites) an article's row in the search index; the database indexes it. */
export async function upsertSearchDoc(db: Kysely<Database>, doc: SearchDoc): Promise<void> {
  const values = {
    section_id: doc.sectionId,
    published_at: doc.publishedAt,
    headline: doc.headline,
    standfirst: doc.standfirst,
    teaser: doc.teaser,
  };
  await db
    .insertInto('article_search_docs')
    .values({ article_id: doc.articleId, ...values })
    .onConflict((oc) => oc.column('article_id').doUpdateSet(values))
    .execute();
}

/** Takes an article out of the index (a draft, or taken down): search cannot find it. */
export async function deleteSearchDoc(db: Kysely<Database>, articleId: string): Promise<void> {
  await db.deleteFrom('article_search_docs').where('article_id', '=', articleId).execute();
}

/** A batch of articles with no row in the search index yet, in id order after `afterId`. */
export async function selectArticlesToIndex(db: Kysely<Database>, afterId: string, limit: number) {
  return (
    db
      .selectFrom('articles as a')
      .leftJoin('article_search_docs as d', 'd.article_id', 'a.id')
      .select(['a.id', 'a.headline', 'a.standfirst', 'a.teaser_html', 'a.section_id', 'a.published_at'])
      .where('d.article_id', 'is', null)
      // Only articles readers may find: a draft or a taken-down article has no row.
      .where('a.status', '=', 'published')
      .where('a.id', '>', afterId)
      .orderBy('a.id')
      .limit(limit)
      .execute()
  );
}

export interface SearchFilter {
  /** Letters and digits only (`searchWords`): nothing of a query language. */
  readonly words: readonly string[];
  readonly sectionId?: string;
  /** Published at or after. */
  readonly from?: string;
  /** Published strictly before. */
  readonly to?: string;
  readonly publishedBy: string;
  readonly limit: number;
  readonly offset: number;
}

// The summary's columns, as `queries.ts` selects them, for the raw statements below.
const summaryColumns = sql.raw(`a.id, a.slug, a.headline, a.standfirst, a.byline, a.access,
  a.required_benefit, a.syndicated_agency, a.teaser_html, a.published_at, a.updated_at,
  s.slug as section_slug, s.name as section_name, s.required_benefit as section_required_benefit`);

type HitRow = Parameters<typeof toSummary>[0] & { snippet: string };

function docFilters(filter: SearchFilter, column: (name: string) => RawBuilder<unknown>) {
  const parts: RawBuilder<unknown>[] = [sql`${column('published_at')} <= ${filter.publishedBy}`];
  if (filter.sectionId !== undefined) parts.push(sql`${column('section_id')} = ${filter.sectionId}`);
  if (filter.from !== undefined) parts.push(sql`${column('published_at')} >= ${filter.from}`);
  if (filter.to !== undefined) parts.push(sql`${column('published_at')} < ${filter.to}`);
  return sql.join(parts, sql` and `);
}

/**
 * Published articles matching every word, best first (then newest), each with a snippet drawn
 * from the headline, standfirst and teaser (the index holds nothing else). The best `limit`
 * are chosen first and only they get a snippet: making one costs more than ranking.
 */
export async function searchArticles(
  db: Kysely<Database>,
  dialect: Dialect,
  filter: SearchFilter,
): Promise<SearchHit[]> {
  if (filter.words.length === 0) return [];
  const rows = dialect === 'sqlite' ? await searchSqlite(db, filter) : await searchPostgres(db, filter);
  return rows.map((row) => ({ article: toSummary(row), snippet: row.snippet }));
}

/** How many of the newest matches SQLite ranks (see `searchSqlite`). */
export const candidateLimit = 1000;

async function searchSqlite(db: Kysely<Database>, filter: SearchFilter): Promise<HitRow[]> {
  // Each word quoted: an FTS5 string, so words such as AND or NEAR are words, not operators.
  const match = filter.words.map((word) => `"${word}"`).join(' ');
  const d = (name: string) => sql.ref(`d.${name}`);
  // Headline matches weigh most, then the standfirst, then the teaser. Ranking every match of
  // a common word over a million articles costs hundreds of milliseconds, so the ranking looks
  // at the newest `candidateLimit` matches that pass the filters (read from the index in
  // descending rowid order, which is the order articles were indexed): for a word in a few
  // hundred articles that is every match; for a word in fifty thousand, the best of the newest.
  const result = await sql<HitRow>`
    with candidates as (
      select d.doc, d.article_id, d.published_at, bm25(article_search, 10.0, 4.0, 1.0) as score
      from article_search join article_search_docs d on d.doc = article_search.rowid
      where article_search match ${match} and ${docFilters(filter, d)}
      order by article_search.rowid desc
      limit ${candidateLimit}
    ),
    top as (
      select doc, article_id, published_at, score from candidates
      order by score, published_at desc
      limit ${filter.limit} offset ${filter.offset}
    )
    select ${summaryColumns},
      snippet(article_search, -1, ${searchMark.open}, ${searchMark.close}, '…', 24) as snippet
    from top
    join article_search on article_search.rowid = top.doc
    join articles a on a.id = top.article_id
    join sections s on s.id = a.section_id
    where article_search match ${match} and a.status = 'published'
    order by top.score, top.published_at desc`.execute(db);
  return result.rows;
}

async function searchPostgres(db: Kysely<Database>, filter: SearchFilter): Promise<HitRow[]> {
  const query = sql`plainto_tsquery('english', ${filter.words.join(' ')})`;
  const d = (name: string) => sql.ref(`d.${name}`);
  const options = `StartSel=${searchMark.open}, StopSel=${searchMark.close}, MaxWords=30, MinWords=12, MaxFragments=2, FragmentDelimiter=" … "`;
  const result = await sql<HitRow>`
    with top as (
      select d.article_id, d.published_at, d.headline, d.standfirst, d.teaser,
        ts_rank_cd(d.document, ${query}) as score
      from article_search_docs d
      where d.document @@ ${query} and ${docFilters(filter, d)}
      order by score desc, d.published_at desc
      limit ${filter.limit} offset ${filter.offset}
    )
    select ${summaryColumns},
      ts_headline('english', top.headline || ' — ' || top.standfirst || ' — ' || top.teaser,
        ${query}, ${options}) as snippet
    from top
    join articles a on a.id = top.article_id
    join sections s on s.id = a.section_id
    where a.status = 'published'
    order by top.score desc, top.published_at desc`.execute(db);
  return result.rows;
}
