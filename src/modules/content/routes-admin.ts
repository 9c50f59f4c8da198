import type { FastifyInstance, onRequestAsyncHookHandler } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { notFound } from '../../kernel/errors.js';
import { articleKey, isoInstant, printable } from '../../kernel/validation.js';
import { articleAccessLevels } from './domain.js';
import type { ArticleSummary } from './domain.js';
import { articleSummaryJson } from './serializers.js';
import type { ContentService } from './service.js';

const idOrSlug = articleKey;

const ArticleFields = {
  headline: printable(z.string().trim().min(1).max(300)),
  standfirst: printable(z.string().trim().max(1000)),
  byline: printable(z.string().trim().max(200)),
  body: printable(z.string().min(1).max(500_000)),
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

const CreateArticleBody = z
  .object({
    headline: ArticleFields.headline,
    body: ArticleFields.body,
    section: ArticleFields.section,
    access: ArticleFields.access,
  })
  .extend({
    standfirst: ArticleFields.standfirst.optional(),
    byline: ArticleFields.byline.optional(),
    syndicated: ArticleFields.syndicated.optional(),
    publishedAt: ArticleFields.publishedAt.optional(),
    slug: ArticleFields.slug.optional(),
  })
  .strict();

const UpdateArticleBody = z.object(ArticleFields).partial().strict();

const ListArticlesQuery = z.object({
  section: z.string().max(60).optional(),
  q: z.string().max(200).optional(),
  before: isoInstant.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

/** The newsroom's part of the admin API: `/api/admin/v1/articles`. */
export async function adminArticleRoutes(
  app: FastifyInstance,
  deps: {
    content: ContentService;
    requireAdmin: onRequestAsyncHookHandler;
    publicUrl: string;
    now: () => Date;
  },
): Promise<void> {
  const { content, requireAdmin, publicUrl, now } = deps;
  const r = app.withTypeProvider<ZodTypeProvider>();
  // onRequest: the key is checked before the body is even parsed or validated.
  r.addHook('onRequest', requireAdmin);

  const json = (article: ArticleSummary & { bodyHtml?: string }) => ({
    ...articleSummaryJson(article, publicUrl),
    updatedAt: article.updatedAt,
    status: article.publishedAt > now().toISOString() ? 'scheduled' : 'published',
    ...(article.bodyHtml !== undefined && { body: article.bodyHtml }),
  });

  r.get(
    '/api/admin/v1/articles',
    {
      schema: {
        tags: ['admin'],
        security: [{ bearer: [] }],
        summary: 'List articles, scheduled ones too',
        querystring: ListArticlesQuery,
      },
    },
    async (request) => ({
      articles: (await content.list(request.query)).map(json),
    }),
  );

  r.get(
    '/api/admin/v1/articles/:id',
    {
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
      schema: {
        tags: ['admin'],
        security: [{ bearer: [] }],
        summary: 'Create, and publish or schedule, an article',
        body: CreateArticleBody,
      },
    },
    async (request, reply) => {
      const article = await content.create(request.body);
      return reply
        .status(201)
        .header('location', `/api/admin/v1/articles/${article.id}`)
        .send({ article: json(article) });
    },
  );

  r.patch(
    '/api/admin/v1/articles/:id',
    {
      schema: {
        tags: ['admin'],
        security: [{ bearer: [] }],
        summary: 'Change an article',
        params: z.object({ id: idOrSlug }),
        body: UpdateArticleBody,
      },
    },
    async (request) => ({
      article: json(await content.update(request.params.id, request.body)),
    }),
  );

  r.delete(
    '/api/admin/v1/articles/:id',
    {
      schema: {
        tags: ['admin'],
        security: [{ bearer: [] }],
        summary: 'Delete an article',
        params: z.object({ id: idOrSlug }),
      },
    },
    async (request, reply) => {
      await content.remove(request.params.id);
      return reply.status(204).send();
    },
  );
}
