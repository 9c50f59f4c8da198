import type { ComponentChildren } from 'preact';
import { Layout, type SiteChrome } from '../../web/views/layout.js';
import { formatDate } from '../../kernel/dates.js';
import { scriptJson } from '../../web/render.js';
import { AdSlotView, type AdSlot } from '../ads/index.js';
import { snippetHtml, type ArticleSummary, type SearchHit, type Section } from '../content/index.js';
import type { Plan } from '../plans/index.js';
// The plan cards belong to subscribing; the paywall shows the same cards.
import { Benefits, PlanCards } from '../subscriptions/index.js';
import type { OpenedArticle } from './service.js';

export interface PageContext {
  readonly chrome: SiteChrome;
  readonly timeZone: string;
  readonly publicUrl: string;
  /** The ad slot, on pages that carry one; null or absent for an ad-free reader. */
  readonly ad?: AdSlot | null;
}

function Html({ html, class: className }: { html: string; class?: string }) {
  return <div class={className} dangerouslySetInnerHTML={{ __html: html }} />;
}

function AccessBadge({ access }: { access: ArticleSummary['access'] }) {
  return access === 'premium' ? <span class="badge badge-premium">Premium</span> : null;
}

function ArticleCard(props: {
  article: ArticleSummary;
  ctx: PageContext;
  lead?: boolean;
  heading: 'h2' | 'h3';
  /** A search snippet (headline, standfirst or teaser only), marks and all. */
  snippet?: string;
}) {
  const { article, ctx, lead, heading: Heading, snippet } = props;
  return (
    <article class={lead ? 'card card-lead' : 'card'}>
      <p class="kicker">
        <a href={`/section/${article.section.slug}`}>{article.section.name}</a>{' '}
        <AccessBadge access={article.access} />
      </p>
      <Heading>
        <a href={`/article/${article.slug}`}>{article.headline}</a>
      </Heading>
      <p class="standfirst">{article.standfirst}</p>
      {snippet !== undefined && (
        <p class="snippet" dangerouslySetInnerHTML={{ __html: snippetHtml(snippet) }} />
      )}
      <p class="meta">
        <time dateTime={article.publishedAt}>{formatDate(article.publishedAt, ctx.timeZone)}</time>
      </p>
    </article>
  );
}

/** Cards under a page's h1 have h2 headlines; under a section's h2 (the front page), h3. */
function ArticleList(props: { articles: readonly ArticleSummary[]; ctx: PageContext; heading: 'h2' | 'h3' }) {
  const { articles, ctx, heading } = props;
  if (articles.length === 0) return <p class="empty">No articles here yet.</p>;
  return (
    <div class="article-list">
      {articles.map((article) => (
        <ArticleCard article={article} ctx={ctx} heading={heading} />
      ))}
    </div>
  );
}

export function FrontPage(props: {
  ctx: PageContext;
  lead: ArticleSummary | undefined;
  bySection: readonly { section: { slug: string; name: string }; articles: readonly ArticleSummary[] }[];
}) {
  const { ctx, lead, bySection } = props;
  return (
    <Layout
      chrome={ctx.chrome}
      title={ctx.chrome.publicationName}
      description={`News and analysis from ${ctx.chrome.publicationName}.`}
    >
      <h1 class="visually-hidden">{ctx.chrome.publicationName}: the latest stories</h1>
      {lead && <ArticleCard article={lead} ctx={ctx} lead heading="h2" />}
      <AdSlotView slot={ctx.ad} position="front" />
      {bySection.map(({ section, articles }) => (
        <section class="front-section">
          <h2 class="section-title">
            <a href={`/section/${section.slug}`}>{section.name}</a>
          </h2>
          <ArticleList articles={articles} ctx={ctx} heading="h3" />
        </section>
      ))}
    </Layout>
  );
}

export function ListingPage(props: {
  ctx: PageContext;
  title: string;
  articles: readonly ArticleSummary[];
  older?: string | undefined;
  intro?: ComponentChildren;
}) {
  const { ctx, title, articles, older, intro } = props;
  return (
    <Layout chrome={ctx.chrome} title={title}>
      <h1 class="page-title">{title}</h1>
      {intro}
      <AdSlotView slot={ctx.ad} position="listing" />
      <ArticleList articles={articles} ctx={ctx} heading="h2" />
      <NextPage href={older} label="Older articles" />
    </Layout>
  );
}

const monthNames = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
] as const;

export const monthName = (month: number) => monthNames[month - 1] ?? String(month);

/** What the archive's search form was filled with. */
export interface ArchiveSearch {
  readonly q: string;
  readonly section?: string | undefined;
  /** YYYY-MM-DD (UTC days), inclusive. */
  readonly from?: string | undefined;
  readonly to?: string | undefined;
}

function SearchForm(props: { search: ArchiveSearch; sections: readonly Pick<Section, 'slug' | 'name'>[] }) {
  const { search, sections } = props;
  return (
    <form class="archive-search" action="/archive" method="get" role="search">
      <p>
        <label for="archive-q">Words</label>{' '}
        <input id="archive-q" type="search" name="q" value={search.q} maxLength={200} />
      </p>
      <p>
        <label for="archive-section">Section</label>{' '}
        <select id="archive-section" name="section">
          <option value="">All sections</option>
          {sections.map((section) => (
            <option value={section.slug} selected={search.section === section.slug}>
              {section.name}
            </option>
          ))}
        </select>{' '}
        <label for="archive-from">From</label>{' '}
        <input id="archive-from" type="date" name="from" value={search.from ?? ''} />{' '}
        <label for="archive-to">To</label>{' '}
        <input id="archive-to" type="date" name="to" value={search.to ?? ''} />
      </p>
      <p>
        <button type="submit">Search the archive</button>
      </p>
    </form>
  );
}

/**
 * `/archive`: the search form, then either the search's results (ranked, each with a snippet
 * of its headline, standfirst or teaser) or every year with its number of stories.
 */
export function ArchivePage(props: {
  ctx: PageContext;
  years: readonly { year: number; count: number }[];
  search: ArchiveSearch;
  results?: { readonly hits: readonly SearchHit[]; readonly more: string | undefined } | undefined;
}) {
  const { ctx, years, search, results } = props;
  return (
    <Layout chrome={ctx.chrome} title={results ? `Archive search: ${search.q}` : 'Archive'}>
      <h1 class="page-title">{results ? `Archive search: ${search.q}` : 'Archive'}</h1>
      <p>
        Every story we have published since 1997: search it, or browse it year by year and month by month.
      </p>
      <SearchForm search={search} sections={ctx.chrome.sections} />
      {results ? (
        <>
          {results.hits.length === 0 ? (
            <p class="empty">No stories match.</p>
          ) : (
            <div class="article-list search-results">
              {results.hits.map((hit) => (
                <ArticleCard article={hit.article} ctx={ctx} heading="h2" snippet={hit.snippet} />
              ))}
            </div>
          )}
          <NextPage href={results.more} label="More results" />
        </>
      ) : (
        <ul class="archive-years">
          {years.map(({ year, count }) => (
            <li>
              <a href={`/archive/${year}`}>{year}</a> <span class="meta">({count})</span>
            </li>
          ))}
        </ul>
      )}
    </Layout>
  );
}

/** `/archive/:year` and `/archive/:year/:month`: the year's months, then the stories, newest first. */
export function ArchivePeriodPage(props: {
  ctx: PageContext;
  year: number;
  month?: number | undefined;
  months: readonly { month: number; count: number }[];
  articles: readonly ArticleSummary[];
  older?: string | undefined;
}) {
  const { ctx, year, month, months, articles, older } = props;
  const title = month === undefined ? `Archive: ${year}` : `Archive: ${monthName(month)} ${year}`;
  return (
    <Layout chrome={ctx.chrome} title={title}>
      <h1 class="page-title">{title}</h1>
      <nav class="archive-months" aria-label={`Months of ${year}`}>
        <ul class="archive-years">
          {months.map(({ month: m, count }) => (
            <li>
              <a
                href={`/archive/${year}/${String(m).padStart(2, '0')}`}
                aria-current={m === month ? 'page' : undefined}
              >
                {monthName(m)}
              </a>{' '}
              <span class="meta">({count})</span>
            </li>
          ))}
        </ul>
      </nav>
      <ArticleList articles={articles} ctx={ctx} heading="h2" />
      <NextPage href={older} label="Older articles" />
    </Layout>
  );
}

/** `/premium`: the premium stories of the last 24 hours, then older ones, paged. */
export function PremiumPage(props: {
  ctx: PageContext;
  latest: readonly ArticleSummary[] | undefined;
  earlier: readonly ArticleSummary[];
  older?: string | undefined;
}) {
  const { ctx, latest, earlier, older } = props;
  return (
    <Layout
      chrome={ctx.chrome}
      title="Premium stories"
      description={`Premium stories from ${ctx.chrome.publicationName}, handpicked by our editors.`}
    >
      <h1 class="page-title">Premium stories</h1>
      <p>Handpicked by our editors, for subscribers.</p>
      {latest && (
        <section class="premium-latest" aria-labelledby="premium-latest">
          <h2 class="section-title" id="premium-latest">
            The last 24 hours
          </h2>
          <ArticleList articles={latest} ctx={ctx} heading="h3" />
        </section>
      )}
      <section class="premium-earlier" aria-labelledby="premium-earlier">
        <h2 class="section-title" id="premium-earlier">
          Earlier
        </h2>
        <ArticleList articles={earlier} ctx={ctx} heading="h3" />
      </section>
      <NextPage href={older} label="Older premium stories" />
    </Layout>
  );
}

function jsonLd(opened: OpenedArticle, ctx: PageContext) {
  const { article } = opened;
  const paywalled = article.access !== 'free';
  return {
    '@context': 'https://schema.org',
    '@type': 'NewsArticle',
    headline: article.headline,
    description: article.standfirst,
    datePublished: article.publishedAt,
    dateModified: article.updatedAt,
    articleSection: article.section.name,
    author: {
      '@type': article.syndicated ? 'Organization' : 'Person',
      name: article.byline || ctx.chrome.publicationName,
    },
    publisher: { '@type': 'Organization', name: ctx.chrome.publicationName, url: ctx.publicUrl },
    mainEntityOfPage: `${ctx.publicUrl}/article/${article.slug}`,
    isAccessibleForFree: !paywalled,
    ...(paywalled && {
      hasPart: { '@type': 'WebPageElement', isAccessibleForFree: false, cssSelector: '.paywalled-content' },
    }),
  };
}

function ArticleHead({ opened, ctx }: { opened: OpenedArticle; ctx: PageContext }) {
  const { article } = opened;
  const url = `${ctx.publicUrl}/article/${article.slug}`;
  return (
    <>
      <link rel="canonical" href={url} />
      <meta property="og:type" content="article" />
      <meta property="og:title" content={article.headline} />
      <meta property="og:description" content={article.standfirst} />
      <meta property="og:url" content={url} />
      <meta property="og:site_name" content={ctx.chrome.publicationName} />
      <meta property="article:published_time" content={article.publishedAt} />
      <script
        type="application/ld+json"
        dangerouslySetInnerHTML={{ __html: scriptJson(jsonLd(opened, ctx)) }}
      />
    </>
  );
}

function ArticleBody({
  opened,
  plans,
  ctx,
}: {
  opened: OpenedArticle;
  plans: readonly Plan[];
  ctx: PageContext;
}) {
  const { article, access, body } = opened;
  return (
    <>
      {access.bannerHtml && (
        <aside class="meter-banner" data-remaining={access.meter.remaining}>
          <span dangerouslySetInnerHTML={{ __html: access.bannerHtml }} />
        </aside>
      )}
      <div class="article-body">
        {body !== null ? (
          <Html
            class={article.access === 'free' ? 'article-text' : 'article-text paywalled-content'}
            html={body.html}
          />
        ) : (
          <>
            <Html class="teaser" html={access.teaserHtml} />
            <section
              class="paywall paywalled-content"
              id="paywall"
              data-reason={access.reason}
              aria-labelledby="paywall-title"
            >
              <h2 class="visually-hidden" id="paywall-title">
                Subscribe to read the whole story
              </h2>
              <Html class="paywall-copy" html={access.paywallHtml ?? ''} />
              <PlanCards plans={plans} returnTo={`/article/${article.slug}`} />
              <Benefits plans={plans} />
            </section>
          </>
        )}
      </div>
      {article.syndicated && (
        <p class="disclaimer">
          Disclaimer: No {ctx.chrome.publicationName} journalist was involved in creation of this content. (
          {article.syndicated.agency})
        </p>
      )}
    </>
  );
}

export function ArticlePage({
  opened,
  plans,
  ctx,
}: {
  opened: OpenedArticle;
  plans: readonly Plan[];
  ctx: PageContext;
}) {
  const { article } = opened;
  return (
    <Layout
      chrome={ctx.chrome}
      title={article.headline}
      description={article.standfirst}
      head={<ArticleHead opened={opened} ctx={ctx} />}
    >
      <article class="article" data-access={article.access} data-granted={String(opened.access.granted)}>
        <p class="kicker">
          <a href={`/section/${article.section.slug}`}>{article.section.name}</a>{' '}
          <AccessBadge access={article.access} />
        </p>
        <h1 class="headline">{article.headline}</h1>
        <p class="standfirst">{article.standfirst}</p>
        <p class="byline">
          {article.byline && <>By {article.byline} · </>}
          <time dateTime={article.publishedAt}>{formatDate(article.publishedAt, ctx.timeZone)}</time> ·{' '}
          <a href={`/article/${article.slug}/print`} rel="nofollow">
            Print
          </a>
        </p>
        <ArticleBody opened={opened} plans={plans} ctx={ctx} />
      </article>
      <AdSlotView slot={ctx.ad} position="article" />
    </Layout>
  );
}

/** The print view: the same article, the same access, no site chrome. */
export function PrintPage({ opened, ctx }: { opened: OpenedArticle; ctx: PageContext }) {
  const { article, access, body } = opened;
  return (
    <html lang="en-IN">
      <head>
        <meta charset="utf-8" />
        <meta name="robots" content="noindex" />
        <title>{article.headline}</title>
        <link rel="stylesheet" href="/assets/print.css" />
      </head>
      <body class="print">
        <p class="print-source">{ctx.chrome.publicationName}</p>
        <h1>{article.headline}</h1>
        <p class="standfirst">{article.standfirst}</p>
        <p class="byline">
          {article.byline} · {formatDate(article.publishedAt, ctx.timeZone)}
        </p>
        {body !== null ? (
          <Html html={body.html} />
        ) : (
          <>
            <Html html={access.teaserHtml} />
            <section class="paywall" data-reason={access.reason}>
              <Html html={access.paywallHtml ?? ''} />
              <p>
                <a href="/subscribe">Subscribe</a>
              </p>
            </section>
          </>
        )}
        {article.syndicated && (
          <p class="disclaimer">
            Disclaimer: No {ctx.chrome.publicationName} journalist was involved in creation of this content.
          </p>
        )}
      </body>
    </html>
  );
}

/** The link to the next page of a listing, when there is one. */
function NextPage({ href, label }: { href: string | null | undefined; label: string }) {
  if (!href) return null;
  return (
    <p class="pager">
      <a href={href} rel="next">
        {label}
      </a>
    </p>
  );
}
