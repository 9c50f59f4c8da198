import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { VNode } from 'preact';
import { z } from 'zod';
import { notFound } from '../../kernel/errors.js';
import type { TtlCache } from '../../kernel/ttl-cache.js';
import { articleKey, isoInstant } from '../../kernel/validation.js';
import { xmlElement } from '../../kernel/xml.js';
import { renderPage } from '../../web/render.js';
import { knownAnonymousReaderId } from '../../web/reader-identity.js';
import { takeWelcome, welcomeText } from '../../web/welcome.js';
import {
  articleSummaryJson,
  snippetHtml,
  type ArticleSummary,
  type ContentService,
} from '../content/index.js';
import type { PaywallService, Reader } from '../paywall/index.js';
import type { AdSlot } from '../ads/index.js';
import { benefitTitle, planJson, type PlanService } from '../plans/index.js';
import type { PublicationService } from '../publication/index.js';
import { articlePage } from './article-page.js';
import { rss2 } from './feed.js';
import type { ReadingService, OpenedArticle } from './service.js';
import {
  ArchivePage,
  ArchivePeriodPage,
  FrontPage,
  ListingPage,
  PremiumPage,
  PrintPage,
  type ArchiveSearch,
  type PageContext,
} from './views.js';

export interface ReadingRouteDeps {
  readonly content: ContentService;
  readonly paywall: PaywallService;
  readonly plans: PlanService;
  readonly publication: PublicationService;
  readonly reading: ReadingService;
  /** Who is reading: the seam where accounts plug in. */
  readonly resolveReader: (request: FastifyRequest, reply: FastifyReply) => Promise<Reader>;
  /** Whether a signed-in reader sent the request: the page header differs. */
  readonly signedIn: (request: FastifyRequest) => Promise<boolean>;
  /** Whether the reader subscribes: the header offers their account, not "Subscribe". */
  readonly subscribed: (request: FastifyRequest) => Promise<boolean>;
  readonly publicUrl: string;
  /** Rendered article pages, reused for readers whose page is the same (`caches.articlePages`). */
  readonly pageCache: TtlCache<string, Buffer>;
  /** The injected clock: what "the last 24 hours" means on `/premium`. */
  readonly now: () => Date;
  /** The ad slot for the reader of `request`, or null (an ad-free reader; no slot set). */
  readonly adSlot?: (request: FastifyRequest) => Promise<AdSlot | null>;
  /**
   * Where a refused view is noted (the analytics recorder): called once per article page or
   * API answer that shows the paywall, never awaited; it buffers and returns at once.
   */
  readonly paywallImpressions?: PaywallImpressionRecorder;
}

/** The part of the analytics recorder reading uses. */
export interface PaywallImpressionRecorder {
  paywallImpression(event: {
    readonly readerId: string;
    readonly deviceId: string | undefined;
    readonly articleId: string;
  }): void;
}

const slug = articleKey;
const day = z.iso.date({ message: 'expected a date (YYYY-MM-DD)' });
/** A form leaves an unfilled field empty: the same as leaving it out. */
const blankIsAbsent = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value) => (value === '' ? undefined : value), schema.optional());
/** A date range: `from` and `to` are whole UTC days, both included, `from` not after `to`. */
const dateRange = <T extends { from?: string | undefined; to?: string | undefined }>(
  query: T,
  ctx: z.RefinementCtx,
) => {
  if (query.from !== undefined && query.to !== undefined && query.from > query.to) {
    ctx.addIssue({ code: 'custom', path: ['to'], message: '`to` is before `from`' });
  }
};
const ListQuery = z
  .object({
    section: z.string().max(60).optional(),
    q: z.string().max(200).optional(),
    from: day.optional(),
    to: day.optional(),
    before: isoInstant.optional(),
    limit: z.coerce.number().int().min(1).max(100).default(20),
    offset: z.coerce.number().int().min(0).max(1000).default(0),
  })
  .superRefine(dateRange);
const PageQuery = z.object({ before: isoInstant.optional() });
const ArchiveQuery = z
  .object({
    q: z.string().max(200).default(''),
    section: blankIsAbsent(z.string().max(60)),
    from: blankIsAbsent(day),
    to: blankIsAbsent(day),
    page: z.coerce.number().int().min(1).max(50).default(1),
  })
  .superRefine(dateRange);
const pageSize = 20;
const dayMs = 86_400_000;

/** The instant a UTC day begins, and the one after it ends. */
const dayStart = (date: string) => `${date}T00:00:00.000Z`;
const dayAfter = (date: string) => new Date(Date.parse(dayStart(date)) + dayMs).toISOString();
const earliest = (a: string | undefined, b: string | undefined) =>
  a === undefined ? b : b === undefined ? a : a < b ? a : b;

/** Reader pages, feeds and the reader JSON API (`/api/v1`). */
export async function readingRoutes(app: FastifyInstance, deps: ReadingRouteDeps): Promise<void> {
  const { content, paywall, plans, publication, reading, resolveReader, publicUrl } = deps;
  const r = app.withTypeProvider<ZodTypeProvider>();

  /**
   * The reader's part of the site chrome; `path` is where signing in from the page returns to.
   * A new subscriber's first page also says welcome, once.
   */
  async function readerChrome(
    request: FastifyRequest,
    reply: FastifyReply,
    path = request.url,
    welcomes = true,
  ) {
    const [signedIn, subscribed] = await Promise.all([deps.signedIn(request), deps.subscribed(request)]);
    const welcome = welcomes && subscribed && takeWelcome(request, reply);
    return { signedIn, subscribed, path, notice: welcome ? welcomeText : undefined };
  }

  const noAds = async () => null;
  const adSlot = deps.adSlot ?? noAds;

  /**
   * What the page is rendered from besides its content. `request` is given for pages that carry
   * the ad slot (the reader's own: null for an ad-free reader), left out for those that do not.
   */
  async function pageContext(
    reader: {
      signedIn: boolean;
      subscribed: boolean;
      path: string;
      notice: string | undefined;
    },
    request?: FastifyRequest,
  ): Promise<PageContext> {
    const [settings, sections, ad] = await Promise.all([
      publication.settings(),
      content.sections(),
      request ? adSlot(request) : null,
    ]);
    return {
      chrome: { publicationName: settings.name, sections, ...reader },
      timeZone: settings.timeZone,
      publicUrl,
      ad,
    };
  }

  function sendHtml(reply: FastifyReply, page: string | Buffer, ad: AdSlot | null = null) {
    // A page with the slot may run the publisher's ad scripts, and only that page.
    if (ad) reply.header('content-security-policy', ad.policy);
    // Pages carry the reader's meter: never let a shared cache keep one reader's page for another.
    return reply.type('text/html; charset=utf-8').header('cache-control', 'private, no-cache').send(page);
  }
  const html = (reply: FastifyReply, page: VNode, ctx?: PageContext) =>
    sendHtml(reply, renderPage(page), ctx?.ad);

  const origin = (request: FastifyRequest) => ({
    userAgent: request.headers['user-agent'],
    ip: request.ip,
    countsRead: request.method !== 'HEAD',
  });

  // API answers carry one reader's meter and, when granted, a body: no shared cache may keep them.
  app.addHook('onRequest', async (request, reply) => {
    if (request.url.startsWith('/api/v1/')) reply.header('cache-control', 'private, no-store');
  });

  /**
   * Opens the article for the request's reader. `impression`: a refusal shows this reader the
   * paywall, so it is noted (a HEAD fetches no page, and shows nobody anything).
   */
  async function open(
    request: FastifyRequest,
    reply: FastifyReply,
    idOrSlug: string,
    impression = false,
  ): Promise<OpenedArticle> {
    const reader = await resolveReader(request, reply);
    const opened = await reading.open(idOrSlug, reader, origin(request));
    if (!opened) throw notFound('The article');
    if (impression && !opened.access.granted && request.method !== 'HEAD') {
      deps.paywallImpressions?.paywallImpression({
        readerId: reader.id,
        deviceId: knownAnonymousReaderId(request),
        articleId: opened.article.id,
      });
    }
    return opened;
  }

  function olderLink(path: string, articles: readonly ArticleSummary[], extra = ''): string | undefined {
    const last = articles.at(-1);
    return articles.length === pageSize && last
      ? `${path}?before=${encodeURIComponent(last.publishedAt)}${extra}`
      : undefined;
  }

  r.get('/', async (request, reply) => {
    const ctx = await pageContext(await readerChrome(request, reply), request);
    // The lead is the story the newsroom pinned while it is live, else the latest.
    const [lead, bySection] = await Promise.all([
      content.frontPageLead(),
      Promise.all(
        ctx.chrome.sections.map((section) => content.listPublished({ section: section.slug, limit: 4 })),
      ),
    ]);
    const sections = ctx.chrome.sections.map((section, i) => ({ section, articles: bySection[i] ?? [] }));
    return html(reply, FrontPage({ ctx, lead, bySection: sections }), ctx);
  });

  r.get(
    '/section/:slug',
    { schema: { params: z.object({ slug }), querystring: PageQuery } },
    async (request, reply) => {
      const ctx = await pageContext(await readerChrome(request, reply), request);
      const section = ctx.chrome.sections.find((s) => s.slug === request.params.slug);
      if (!section) throw notFound('The section');
      const articles = await content.listPublished({
        section: section.slug,
        before: request.query.before,
        limit: pageSize,
      });
      return html(
        reply,
        ListingPage({
          ctx,
          title: section.name,
          articles,
          older: olderLink(`/section/${section.slug}`, articles),
        }),
        ctx,
      );
    },
  );

  // The access decision and the meter run for every view; the page they produce is the same
  // for every reader in the same state, so its HTML is kept briefly, keyed by everything it is
  // rendered from (`articlePage`).
  const articlePages = deps.pageCache;
  const maxCachedPageBytes = 256 * 1024; // with the cache's capacity, at most 128 MB

  r.get('/article/:slug', { schema: { params: z.object({ slug }) } }, async (request, reply) => {
    const opened = await open(request, reply, request.params.slug, true);
    // The header says whether the reader is signed in and subscribes; the path is the article's
    // own, never the URL as requested (its query string is not part of the page).
    const reader = await readerChrome(request, reply, `/article/${opened.article.slug}`);
    const ctx = await pageContext(reader, request);
    // The slot (or its absence, for an ad-free reader) is part of `ctx`, so of the page's key:
    // an ad-free page is never served to a reader who sees ads, nor the other way round.
    // The paywall offers the plans that would unlock this article (the decision names them).
    const page = articlePage({ opened, plans: opened.access.offers, ctx });
    // The one-time welcome is this reader's alone: that page is never kept.
    if (reader.notice !== undefined) return sendHtml(reply, page.render(), ctx.ad);
    const html = await articlePages.get(page.key, async () => page.render());
    if (html.length > maxCachedPageBytes) articlePages.delete(page.key);
    return sendHtml(reply, html, ctx.ad);
  });

  r.get('/article/:slug/print', { schema: { params: z.object({ slug }) } }, async (request, reply) => {
    const opened = await open(request, reply, request.params.slug);
    return html(
      reply,
      PrintPage({ opened, ctx: await pageContext(await readerChrome(request, reply, request.url, false)) }),
    );
  });

  /** The query string of an archive search, for its links. */
  function archiveSearchQuery(search: ArchiveSearch, page: number): string {
    const params = new URLSearchParams({ q: search.q });
    if (search.section !== undefined) params.set('section', search.section);
    if (search.from !== undefined) params.set('from', search.from);
    if (search.to !== undefined) params.set('to', search.to);
    if (page > 1) params.set('page', String(page));
    return params.toString();
  }

  /**
   * The archive's front: the search form and the years, or the results of a search — ranked,
   * each with a snippet of its headline, standfirst or teaser; never the rest of a body, so a
   * search cannot show or probe what the wall hides.
   */
  async function archiveSearch(
    request: FastifyRequest,
    reply: FastifyReply,
    query: z.output<typeof ArchiveQuery>,
  ) {
    const search: ArchiveSearch = { q: query.q, section: query.section, from: query.from, to: query.to };
    const ctx = await pageContext(await readerChrome(request, reply));
    if (query.q.trim() === '') {
      return html(reply, ArchivePage({ ctx, years: await content.yearsWithArticles(), search }));
    }
    const hits = await content.search({
      q: query.q,
      section: query.section,
      from: query.from === undefined ? undefined : dayStart(query.from),
      before: query.to === undefined ? undefined : dayAfter(query.to),
      limit: pageSize,
      offset: (query.page - 1) * pageSize,
    });
    const more =
      hits.length === pageSize && query.page < 50
        ? `/archive?${archiveSearchQuery(search, query.page + 1)}`
        : undefined;
    return html(reply, ArchivePage({ ctx, years: [], search, results: { hits, more } }));
  }

  r.get('/archive', { schema: { querystring: ArchiveQuery } }, async (request, reply) =>
    archiveSearch(request, reply, request.query),
  );

  // The header's search box: the archive's search, over every year.
  r.get('/search', { schema: { querystring: ArchiveQuery } }, async (request, reply) =>
    archiveSearch(request, reply, request.query),
  );

  const Year = z.coerce.number().int().min(1900).max(2200);

  /** A year's or a month's stories, newest first, paged by `before`. */
  async function archivePeriod(
    request: FastifyRequest,
    reply: FastifyReply,
    year: number,
    month: number | undefined,
    before: string | undefined,
  ) {
    const start = new Date(Date.UTC(year, (month ?? 1) - 1, 1)).toISOString();
    const end = new Date(
      month === undefined ? Date.UTC(year + 1, 0, 1) : Date.UTC(year, month, 1),
    ).toISOString();
    const [ctx, months, articles] = await Promise.all([
      pageContext(await readerChrome(request, reply)),
      content.monthsWithArticles(year),
      content.listPublished({ since: start, before: earliest(before, end), limit: pageSize }),
    ]);
    const path =
      month === undefined ? `/archive/${year}` : `/archive/${year}/${String(month).padStart(2, '0')}`;
    return html(
      reply,
      ArchivePeriodPage({ ctx, year, month, months, articles, older: olderLink(path, articles) }),
    );
  }

  r.get(
    '/archive/:year',
    { schema: { params: z.object({ year: Year }), querystring: PageQuery } },
    async (request, reply) =>
      archivePeriod(request, reply, request.params.year, undefined, request.query.before),
  );

  r.get(
    '/archive/:year/:month',
    {
      schema: {
        params: z.object({ year: Year, month: z.coerce.number().int().min(1).max(12) }),
        querystring: PageQuery,
      },
    },
    async (request, reply) =>
      archivePeriod(request, reply, request.params.year, request.params.month, request.query.before),
  );

  // Premium stories of the last 24 hours first, then older ones, paged by `before`.
  r.get('/premium', { schema: { querystring: PageQuery } }, async (request, reply) => {
    const dayAgo = new Date(deps.now().getTime() - dayMs).toISOString();
    const { before } = request.query;
    const [ctx, latest, earlier] = await Promise.all([
      pageContext(await readerChrome(request, reply)),
      before === undefined
        ? content.listPublished({ access: 'premium', since: dayAgo, limit: 100 })
        : undefined,
      content.listPublished({ access: 'premium', before: earliest(before, dayAgo), limit: pageSize }),
    ]);
    return html(reply, PremiumPage({ ctx, latest, earlier, older: olderLink('/premium', earlier) }));
  });

  // Feeds carry headline and standfirst only, whatever the article's access.
  r.get(
    '/feed.xml',
    { schema: { querystring: z.object({ section: z.string().max(60).optional() }) } },
    async (request, reply) => {
      const settings = await publication.settings();
      const articles = await content.listPublished({ section: request.query.section, limit: 50 });
      const section = request.query.section;
      const feed = rss2({
        title: settings.name,
        link: `${publicUrl}/`,
        self: `${publicUrl}/feed.xml${section === undefined ? '' : `?section=${encodeURIComponent(section)}`}`,
        description: `Latest stories from ${settings.name}`,
        copyright: `© ${settings.name}`,
        updated: articles[0] ? new Date(articles[0].publishedAt) : new Date(0),
        items: articles.map((article) => ({
          title: article.headline,
          link: `${publicUrl}/article/${article.slug}`,
          description: article.standfirst,
          published: new Date(article.publishedAt),
          category: article.section.name,
        })),
      });
      return reply.type('application/rss+xml; charset=utf-8').send(feed);
    },
  );

  // A sitemap index with one sitemap per year keeps each file under the 50,000-URL limit.
  r.get('/sitemap.xml', async (_request, reply) => {
    const years = await content.yearsWithArticles();
    const entries = years.map(
      ({ year }) => `<sitemap>${xmlElement('loc', `${publicUrl}/sitemap-${year}.xml`)}</sitemap>`,
    );
    return reply
      .type('application/xml; charset=utf-8')
      .send(
        `<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">${entries.join('')}</sitemapindex>`,
      );
  });

  r.get(
    '/sitemap-:year.xml',
    { schema: { params: z.object({ year: z.coerce.number().int().min(1900).max(2200) }) } },
    async (request, reply) => {
      const { year } = request.params;
      const articles = await content.listPublished({
        since: `${year}-01-01T00:00:00.000Z`,
        before: `${year + 1}-01-01T00:00:00.000Z`,
        limit: 50_000,
      });
      const urls = articles.map(
        (a) =>
          `<url>${xmlElement('loc', `${publicUrl}/article/${encodeURIComponent(a.slug)}`)}${xmlElement('lastmod', a.updatedAt)}</url>`,
      );
      return reply
        .type('application/xml; charset=utf-8')
        .send(
          `<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">${urls.join('')}</urlset>`,
        );
    },
  );

  r.get('/robots.txt', async (_request, reply) =>
    reply
      .type('text/plain')
      .send(`User-agent: *\nDisallow: /api/\nDisallow: /admin\n\nSitemap: ${publicUrl}/sitemap.xml\n`),
  );

  // ---- JSON API ----

  const articleJson = (article: ArticleSummary) => articleSummaryJson(article, publicUrl);

  r.get(
    '/api/v1/articles',
    {
      schema: {
        tags: ['reader'],
        summary: 'List or search published articles (never bodies)',
        querystring: ListQuery,
      },
    },
    async (request) => {
      const { section, q, from, to, before, limit, offset } = request.query;
      const since = from === undefined ? undefined : dayStart(from);
      const until = earliest(before, to === undefined ? undefined : dayAfter(to));
      if (q !== undefined && q.trim() !== '') {
        // Ranked full-text results; the snippet is drawn from headline, standfirst and teaser only.
        const hits = await content.search({ q, section, from: since, before: until, limit, offset });
        return {
          articles: hits.map((hit) => ({ ...articleJson(hit.article), snippet: snippetHtml(hit.snippet) })),
        };
      }
      const articles = await content.listPublished({ section, since, before: until, limit });
      return { articles: articles.map(articleJson) };
    },
  );

  r.get(
    '/api/v1/articles/:idOrSlug',
    {
      schema: {
        tags: ['reader'],
        summary: 'Open an article: the body only when access is granted',
        params: z.object({ idOrSlug: slug }),
      },
    },
    async (request, reply) => {
      const { article, access, body } = await open(request, reply, request.params.idOrSlug, true);
      return {
        article: {
          ...articleJson(article),
          // As long as the setting allows, never the longer teaser stored.
          teaser: access.teaserHtml,
          ...(body !== null && { body: body.html }),
        },
        access: {
          granted: access.granted,
          reason: access.reason,
          meter: access.meter,
          // What a refused reader lacks, and the plans on sale that include it.
          ...(!access.granted && {
            requires: access.requires.map((benefit) => ({ benefit, title: benefitTitle(benefit) })),
            plans: access.offers.map((plan) => ({ id: plan.id, name: plan.name })),
          }),
        },
      };
    },
  );

  r.get(
    '/api/v1/meter',
    { schema: { tags: ['reader'], summary: "The caller's meter this month" } },
    async (request, reply) => ({
      meter: await paywall.meter(await resolveReader(request, reply)),
    }),
  );

  r.get(
    '/api/v1/plans',
    { schema: { tags: ['reader'], summary: 'Plans on offer, amounts in minor units' } },
    async () => ({ plans: (await plans.listActive()).map((plan) => planJson(plan)) }),
  );
}
