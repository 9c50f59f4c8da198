import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError, notFound } from '../../kernel/errors.js';
import { articleKey, isoInstant, printable } from '../../kernel/validation.js';
import { noteChange } from '../../kernel/staff-access.js';
import { articleAccessLevels, articleStatus, articleStatuses } from './domain.js';
import { articleSummaryJson } from './serializers.js';
import type { ContentService, EditorialArticle, NewsroomSummary } from './service.js';

const idOrSlug = articleKey;

const ArticleFields = {
  headline: printable(z.string().trim().min(1).max(300)),
  standfirst: printable(z.string().trim().max(1000)),
  byline: printable(z.string().trim().max(200)),
  body: printable(z.string().min(1).max(500_000)),
  bodyMarkdown: printable(z.string().min(1).max(500_000)),
  section: z.string().regex(/^[a-z0-9-]{1,60}$/, 'expected a section slug'),
  access: z.enum(articleAccessLevels),
  syndicated: z
    .object({ agency: printable(z.string().trim().min(1).max(200)) })
    .strict()
    .nullable(),
  publishedAt: isoInstant,
  slug: z
    .string()
    .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'expected lowercase words joined by hyphens')
    .max(120),
};

/** The body in HTML (`body`) or in Markdown (`bodyMarkdown`): never both. */
const oneBody = (
  input: { body?: string; bodyMarkdown?: string },
  ctx: z.RefinementCtx,
  required: boolean,
) => {
  if (input.body !== undefined && input.bodyMarkdown !== undefined)
    ctx.addIssue({ code: 'custom', path: ['body'], message: 'give body (HTML) or bodyMarkdown, not both' });
  else if (required && input.body === undefined && input.bodyMarkdown === undefined)
    ctx.addIssue({ code: 'custom', path: ['body'], message: 'give body (HTML) or bodyMarkdown' });
};

/** A benefit key of the catalogue (the only ones an article may require), or null: none. */
const requiredBenefit = (benefits: readonly string[]) =>
  z
    .string()
    .refine((key) => benefits.includes(key), { message: `expected one of ${benefits.join(', ')}, or null` })
    .nullable();

const createArticleBody = (benefits: readonly string[]) =>
  z
    .object({
      headline: ArticleFields.headline,
      section: ArticleFields.section,
    })
    .extend({
      // Optional only with `requires`: an article that names a benefit is premium by default.
      access: ArticleFields.access.optional(),
      requires: requiredBenefit(benefits).optional(),
      body: ArticleFields.body.optional().describe('The body in HTML; or give bodyMarkdown instead.'),
      bodyMarkdown: ArticleFields.bodyMarkdown
        .optional()
        .describe('The body in Markdown, instead of body: rendered to HTML and cleaned like it.'),
      standfirst: ArticleFields.standfirst.optional(),
      byline: ArticleFields.byline.optional(),
      syndicated: ArticleFields.syndicated.optional(),
      publishedAt: ArticleFields.publishedAt.optional(),
      slug: ArticleFields.slug.optional(),
      // Absent: published at once, or scheduled by a future publishedAt (as before drafts existed).
      status: z.enum(['draft', 'published', 'scheduled']).optional(),
    })
    .strict()
    .superRefine((input, ctx) => {
      oneBody(input, ctx, true);
      if (input.access === undefined && typeof input.requires !== 'string')
        ctx.addIssue({
          code: 'custom',
          path: ['access'],
          message: 'expected free, metered or premium (it may be left out only with requires)',
        });
    });

const PublishBody = z.object({ publishedAt: isoInstant.optional() }).strict();

const FrontPageBody = z.object({ leadArticleId: articleKey.nullable() }).strict();

const updateArticleBody = (benefits: readonly string[]) =>
  z
    .object({ ...ArticleFields, requires: requiredBenefit(benefits) })
    .partial()
    .strict()
    .superRefine((input, ctx) => oneBody(input, ctx, false));

const ListArticlesQuery = z.object({
  section: z.string().max(60).optional(),
  q: z.string().max(200).optional(),
  before: isoInstant.optional(),
  status: z.enum(articleStatuses).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

const editors = { staff: ['editor'] } as const;

/**
 * The newsroom's part of the admin API: `/api/admin/v1/articles` (drafts, scheduling, publishing
 * and taking down) and `/api/admin/v1/front-page` (the pinned lead story). `requires` names a
 * benefit the article needs besides its section's (a key of the catalogue) or, with null, none;
 * an article created with `requires` and no `access` is `premium`.
 */
export async function adminArticleRoutes(
  app: FastifyInstance,
  deps: {
    content: ContentService;
    publicUrl: string;
    now: () => Date;
    /** The benefits a plan can include (plans' catalogue): the only ones an article may require. */
    benefits: readonly string[];
  },
): Promise<void> {
  const { content, publicUrl, now } = deps;
  const CreateArticleBody = createArticleBody(deps.benefits);
  const UpdateArticleBody = updateArticleBody(deps.benefits);
  const r = app.withTypeProvider<ZodTypeProvider>();
  // onRequest: the key is checked before the body is even parsed or validated.

  const json = (
    article: NewsroomSummary & { bodyHtml?: string; bodyMarkdown?: string | null },
    withBody = true,
  ) => ({
    ...articleSummaryJson(article, publicUrl),
    updatedAt: article.updatedAt,
    status: articleStatus(article.status, article.publishedAt, now().toISOString()),
    ...(withBody &&
      article.bodyHtml !== undefined && {
        body: article.bodyHtml,
        bodyMarkdown: article.bodyMarkdown ?? null,
      }),
  });
  /** What the audit log keeps of an article: its fields, without the body. */
  const audited = (article: EditorialArticle) => json(article, false);
  async function existing(id: string): Promise<EditorialArticle> {
    const article = await content.find(id);
    if (!article) throw notFound('The article');
    return article;
  }

  r.get(
    '/api/admin/v1/articles',
    {
      config: editors,
      schema: {
        tags: ['admin'],
        security: [{ bearer: [] }],
        summary:
          'List articles, drafts and scheduled ones too (?status=draft|scheduled|published|unpublished)',
        querystring: ListArticlesQuery,
      },
    },
    async (request) => ({
      articles: (await content.list(request.query)).map((article) => json(article)),
    }),
  );

  r.get(
    '/api/admin/v1/articles/:id',
    {
      config: editors,
      schema: {
        tags: ['admin'],
        security: [{ bearer: [] }],
        summary: 'One article with its whole body',
        params: z.object({ id: idOrSlug }),
      },
    },
    async (request) => {
      const article = await content.find(request.params.id);
      if (!article) throw notFound('The article');
      return { article: json(article) };
    },
  );

  r.post(
    '/api/admin/v1/articles',
    {
      config: editors,
      schema: {
        tags: ['admin'],
        security: [{ bearer: [] }],
        summary: 'Create, and publish or schedule, an article',
        body: CreateArticleBody,
      },
    },
    async (request, reply) => {
      const { requires, access, ...fields } = request.body;
      const article = await content.create({
        ...fields,
        access: access ?? 'premium',
        ...(requires !== undefined && { requiredBenefit: requires }),
      });
      noteChange(request, { action: 'article.create', target: article.id, after: audited(article) });
      return reply
        .status(201)
        .header('location', `/api/admin/v1/articles/${article.id}`)
        .send({ article: json(article) });
    },
  );

  r.patch(
    '/api/admin/v1/articles/:id',
    {
      config: editors,
      schema: {
        tags: ['admin'],
        security: [{ bearer: [] }],
        summary: 'Change an article',
        params: z.object({ id: idOrSlug }),
        body: UpdateArticleBody,
      },
    },
    async (request) => {
      const before = await existing(request.params.id);
      const { requires, ...fields } = request.body;
      const article = await content.update(request.params.id, {
        ...fields,
        ...(requires !== undefined && { requiredBenefit: requires }),
      });
      noteChange(request, {
        action: 'article.update',
        target: article.id,
        before: audited(before),
        after: audited(article),
      });
      return { article: json(article) };
    },
  );

  for (const change of ['publish', 'unpublish'] as const) {
    r.post(
      `/api/admin/v1/articles/:id/${change}`,
      {
        config: editors,
        schema: {
          tags: ['admin'],
          security: [{ bearer: [] }],
          summary:
            change === 'publish'
              ? 'Publish a draft or a taken-down article (a future publishedAt schedules it)'
              : 'Take an article down: it leaves every page, feed, search and the API',
          params: z.object({ id: idOrSlug }),
        },
      },
      async (request) => {
        // The body is optional (`{publishedAt?}`), so it is read here rather than by the schema.
        const parsed = PublishBody.safeParse(request.body ?? {});
        if (!parsed.success) {
          throw new AppError(
            'validation_failed',
            parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
          );
        }
        const body = parsed.data;
        const before = await existing(request.params.id);
        const article =
          change === 'publish'
            ? await content.publish(request.params.id, body.publishedAt)
            : await content.unpublish(request.params.id);
        noteChange(request, {
          action: `article.${change}`,
          target: article.id,
          before: { status: json(before).status, publishedAt: before.publishedAt },
          after: { status: json(article).status, publishedAt: article.publishedAt },
        });
        return { article: json(article) };
      },
    );
  }

  r.delete(
    '/api/admin/v1/articles/:id',
    {
      config: editors,
      schema: {
        tags: ['admin'],
        security: [{ bearer: [] }],
        summary: 'Delete an article',
        params: z.object({ id: idOrSlug }),
      },
    },
    async (request, reply) => {
      const before = await existing(request.params.id);
      await content.remove(request.params.id);
      noteChange(request, { action: 'article.delete', target: before.id, before: audited(before) });
      return reply.status(204).send();
    },
  );

  r.get(
    '/api/admin/v1/front-page',
    {
      config: editors,
      schema: { tags: ['admin'], security: [{ bearer: [] }], summary: 'The pinned lead story, if any' },
    },
    async () => ({ frontPage: await content.frontPage() }),
  );

  r.post(
    '/api/admin/v1/front-page',
    {
      config: editors,
      schema: {
        tags: ['admin'],
        security: [{ bearer: [] }],
        summary: 'Pin the lead story of the front page (leadArticleId), or unpin it (null)',
        body: FrontPageBody,
      },
    },
    async (request) => {
      const before = await content.frontPage();
      const frontPage = await content.setFrontPage(request.body);
      noteChange(request, { action: 'front-page.update', target: 'front-page', before, after: frontPage });
      return { frontPage };
    },
  );
}
