import { sql, SqliteAdapter, type Kysely } from 'kysely';

// Frozen: premium verticals, archive search and the premium listing. Imports nothing from the app.
//
// - `sections.required_benefit`: a section that is a premium vertical names the benefit its
//   articles need (`market-analysis`); null for an ordinary section.
// - `article_search_docs`: what full-text search may match and quote, one row per article —
//   headline, standfirst and the teaser as plain text, never the rest of the body. The same
//   table on both databases; the app writes it with every save. On SQLite an FTS5 index over it
//   (external content, kept in step by triggers); on PostgreSQL a generated tsvector with a GIN
//   index. Rows are filled for existing articles by the app at start (`upgradeStoredBodies`),
//   since turning a teaser's HTML into text is the app's job, not SQL's.
// - An index on (access, published_at) for `/premium`.
/* eslint-disable @typescript-eslint/no-explicit-any -- a migration knows no schema type */

export async function up(db: Kysely<any>): Promise<void> {
  const sqlite = db.getExecutor().adapter instanceof SqliteAdapter;
  await db.schema.alterTable('sections').addColumn('required_benefit', 'text').execute();
  await db.schema
    .createIndex('articles_access_published_at')
    .on('articles')
    .columns(['access', 'published_at'])
    .execute();
  if (sqlite) {
    await sql`create table article_search_docs (
      doc integer primary key,
      article_id text not null unique references articles(id) on delete cascade,
      section_id text not null,
      published_at text not null,
      headline text not null,
      standfirst text not null,
      teaser text not null
    )`.execute(db);
    await sql`create virtual table article_search using fts5(
      headline, standfirst, teaser,
      content='article_search_docs', content_rowid='doc',
      tokenize='porter unicode61 remove_diacritics 2'
    )`.execute(db);
    // The standard triggers for an external-content FTS5 table (sqlite.org/fts5.html §4.4.3).
    await sql`create trigger article_search_docs_ai after insert on article_search_docs begin
      insert into article_search(rowid, headline, standfirst, teaser)
        values (new.doc, new.headline, new.standfirst, new.teaser);
    end`.execute(db);
    await sql`create trigger article_search_docs_ad after delete on article_search_docs begin
      insert into article_search(article_search, rowid, headline, standfirst, teaser)
        values ('delete', old.doc, old.headline, old.standfirst, old.teaser);
    end`.execute(db);
    await sql`create trigger article_search_docs_au after update on article_search_docs begin
      insert into article_search(article_search, rowid, headline, standfirst, teaser)
        values ('delete', old.doc, old.headline, old.standfirst, old.teaser);
      insert into article_search(rowid, headline, standfirst, teaser)
        values (new.doc, new.headline, new.standfirst, new.teaser);
    end`.execute(db);
  } else {
    await sql`create table article_search_docs (
      doc bigint generated always as identity unique,
      article_id text primary key references articles(id) on delete cascade,
      section_id text not null,
      published_at text not null,
      headline text not null,
      standfirst text not null,
      teaser text not null,
      document tsvector generated always as (
        setweight(to_tsvector('english', headline), 'A') ||
        setweight(to_tsvector('english', standfirst), 'B') ||
        setweight(to_tsvector('english', teaser), 'C')
      ) stored
    )`.execute(db);
    await sql`create index article_search_docs_document on article_search_docs using gin (document)`.execute(
      db,
    );
  }
  await db.schema
    .createIndex('article_search_docs_published_at')
    .on('article_search_docs')
    .columns(['published_at'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  const sqlite = db.getExecutor().adapter instanceof SqliteAdapter;
  if (sqlite) await sql`drop table if exists article_search`.execute(db);
  await db.schema.dropTable('article_search_docs').execute();
  await db.schema.dropIndex('articles_access_published_at').execute();
  await db.schema.alterTable('sections').dropColumn('required_benefit').execute();
}
