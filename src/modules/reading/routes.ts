import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { VNode } from 'preact';
import { z } from 'zod';
import { notFound } from '../../kernel/errors.js';
import type { TtlCache } from '../../kernel/ttl-cache.js';
import { articleKey, isoInstant } from '../../kernel/validation.js';
import { xmlElement } from '../../kernel/xml.js';
import { renderPage } from '../../web/render.js';
import { takeWelcome, welcomeText } from '../../web/welcome.js';
import { articleSummaryJson, type ContentService, type ArticleSummary } from '../content/index.js';
import type { PaywallService, Reader } from '../paywall/index.js';
import { planJson, type PlanService } from '../plans/index.js';
import type { PublicationService } from '../publication/index.js';
import { articlePage } from './article-page.js';
import { rss2 } from './feed.js';
import type { ReadingService, OpenedArticle } from './service.js';
import { ArchivePage, FrontPage, ListingPage, PrintPage, type PageContext } from './views.js';

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
}

const slug = articleKey;
const ListQuery = z.object({
  section: z.string().max(60).optional(),
  q: z.string().max(200).optional(),
  before: isoInstant.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});
const PageQuery = z.object({ before: isoInstant.optional() });
const pageSize = 20;

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

  async function pageContext(reader: {
    signedIn: boolean;
    subscribed: boolean;
    path: string;
    notice: string | undefined;
  }): Promise<PageContext> {
    const [settings, sections] = await Promise.all([publication.settings(), content.sections()]);
    return {
      chrome: { publicationName: settings.name, sections, ...reader },
      timeZone: settings.timeZone,
      publicUrl,
    };
  }

  function sendHtml(reply: FastifyReply, page: string | Buffer) {
    // Pages carry the reader's meter: never let a shared cache keep one reader's page for another.
    return reply.type('text/html; charset=utf-8').header('cache-control', 'private, no-cache').send(page);
  }
  const html = (reply: FastifyReply, page: VNode) => sendHtml(reply, renderPage(page));

  const origin = (request: FastifyRequest) => ({
    userAgent: request.headers['user-agent'],
    ip: request.ip,
    countsRead: request.method !== 'HEAD',
  });

  // API answers carry one reader's meter and, when granted, a body: no shared cache may keep them.
  app.addHook('onRequest', async (request, reply) => {
    if (request.url.startsWith('/api/v1/')) reply.header('cache-control', 'private, no-store');
  });

  async function open(
    request: FastifyRequest,
    reply: FastifyReply,
    idOrSlug: string,
  ): Promise<OpenedArticle> {
    const opened = await reading.open(idOrSlug, await resolveReader(request, reply), origin(request));
    if (!opened) throw notFound('The article');
    return opened;
  }

  function olderLink(path: string, articles: readonly ArticleSummary[], extra = ''): string | undefined {
    const last = articles.at(-1);
    return articles.length === pageSize && last
      ? `${path}?before=${encodeURIComponent(last.publishedAt)}${extra}`
      : undefined;
  }

  r.get('/', async (request, reply) => {
    const ctx = await pageContext(await readerChrome(request, reply));
    const [latest, ...bySection] = await Promise.all([
      content.listPublished({ limit: 1 }),
      ...ctx.chrome.sections.map((section) => content.listPublished({ section: section.slug, limit: 4 })),
    ]);
    const sections = ctx.chrome.sections.map((section, i) => ({ section, articles: bySection[i] ?? [] }));
    return html(reply, FrontPage({ ctx, lead: latest?.[0], bySection: sections }));
  });

  r.get(
    '/section/:slug',
    { schema: { params: z.object({ slug }), querystring: PageQuery } },
    async (request, reply) => {
      const ctx = await pageContext(await readerChrome(request, reply));
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
      );
    },
  );

  // The access decision and the meter run for every view; the page they produce is the same
  // for every reader in the same state, so its HTML is kept briefly, keyed by everything it is
  // rendered from (`articlePage`).
  const articlePages = deps.pageCache;
  const maxCachedPageBytes = 256 * 1024; // with the cache's capacity, at most 128 MB

  r.get('/article/:slug', { schema: { params: z.object({ slug }) } }, async (request, reply) => {
    const opened = await open(request, reply, request.params.slug);
    // The header says whether the reader is signed in and subscribes; the path is the article's
    // own, never the URL as requested (its query string is not part of the page).
    const reader = await readerChrome(request, reply, `/article/${opened.article.slug}`);
    const [ctx, offered] = await Promise.all([
      pageContext(reader),
      opened.access.granted ? [] : plans.listActive(),
    ]);
    const page = articlePage({ opened, plans: offered, ctx });
    // The one-time welcome is this reader's alone: that page is never kept.
    if (reader.notice !== undefined) return sendHtml(reply, page.render());
    const html = await articlePages.get(page.key, async () => page.render());
    if (html.length > maxCachedPageBytes) articlePages.delete(page.key);
    return sendHtml(reply, html);
  });

  r.get('/article/:slug/print', { schema: { params: z.object({ slug }) } }, async (request, reply) => {
    const opened = await open(request, reply, request.params.slug);
    return html(
      reply,
      PrintPage({ opened, ctx: await pageContext(await readerChrome(request, reply, request.url, false)) }),
    );
  });

  r.get('/archive', async (request, reply) => {
    const [ctx, years] = await Promise.all([
      pageContext(await readerChrome(request, reply)),
      content.yearsWithArticles(),
    ]);
    return html(reply, ArchivePage({ ctx, years }));
  });

  r.get(
    '/archive/:year',
    {
      schema: {
        params: z.object({ year: z.coerce.number().int().min(1900).max(2200) }),
        querystring: PageQuery,
      },
    },
    async (request, reply) => {
      const { year } = request.params;
      const ctx = await pageContext(await readerChrome(request, reply));
      const yearEnd = `${year + 1}-01-01T00:00:00.000Z`;
      const before =
        request.query.before !== undefined && request.query.before < yearEnd ? request.query.before : yearEnd;
      const articles = await content.listPublished({
        since: `${year}-01-01T00:00:00.000Z`,
        before,
        limit: pageSize,
      });
      return html(
        reply,
        ListingPage({
          ctx,
          title: `Archive: ${year}`,
          articles,
          older: olderLink(`/archive/${year}`, articles),
        }),
      );
    },
  );

  r.get(
    '/search',
    {
      schema: {
        querystring: z.object({ q: z.string().max(200).default(''), before: isoInstant.optional() }),
      },
    },
    async (request, reply) => {
      const { q, before } = request.query;
      const ctx = await pageContext(await readerChrome(request, reply));
      const articles = q.trim() === '' ? [] : await content.listPublished({ q, before, limit: pageSize });
      const title = q.trim() === '' ? 'Search' : `Search: ${q}`;
      return html(
        reply,
        ListingPage({
          ctx,
          title,
          articles,
          older: olderLink('/search', articles, `&q=${encodeURIComponent(q)}`),
        }),
      );
    },
  );

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
      schema: { tags: ['reader'], summary: 'List published articles (never bodies)', querystring: ListQuery },
    },
    async (request) => {
      const { section, q, before, limit } = request.query;
      const articles = await content.listPublished({ section, q, before, limit });
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
      const { article, access, body } = await open(request, reply, request.params.idOrSlug);
      return {
        article: {
          ...articleJson(article),
          teaser: article.teaserHtml,
          ...(body !== null && { body: body.html }),
        },
        access: { granted: access.granted, reason: access.reason, meter: access.meter },
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
