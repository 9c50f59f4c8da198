import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../kernel/errors.js';
import { noteChange, principalOf } from '../../kernel/staff-access.js';
import { articleKey, singleLine } from '../../kernel/validation.js';
import type { AdminNavItem } from '../../web/admin/shell.js';
import { renderPage } from '../../web/render.js';
import type { ContentService } from './service.js';
import { FrontPageAdminPage, SectionsPage } from './views-admin.js';

const html = (reply: FastifyReply, page: Parameters<typeof renderPage>[0], status = 200) =>
  reply
    .code(status)
    .type('text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .send(renderPage(page));

const SlugParams = z.object({ slug: z.string().regex(/^[a-z0-9-]{1,60}$/) });
const sectionDone = { created: 'Section created.', saved: 'Section saved.' } as const;
const frontDone = { pinned: 'Lead story pinned.', unpinned: 'Unpinned: the latest article leads.' } as const;

/** The form fields as strings, whatever the body was (a form, or anything else refused later). */
function fieldsOf(body: unknown): Record<string, string> {
  const fields: Record<string, string> = {};
  if (body && typeof body === 'object')
    for (const [key, value] of Object.entries(body)) if (typeof value === 'string') fields[key] = value;
  return fields;
}

/**
 * The newsroom's section and front-page pages: `/admin/sections` (create, rename, re-slug,
 * reorder, require a benefit) and `/admin/front-page` (pin or unpin the lead story), through
 * the content service as the admin API's calls are.
 */
export async function adminSectionPageRoutes(
  app: FastifyInstance,
  deps: {
    content: ContentService;
    /** The benefits a plan can include: the only ones a section may require. */
    benefits: readonly string[];
    nav: readonly AdminNavItem[];
  },
): Promise<void> {
  const { content, benefits, nav } = deps;
  const r = app.withTypeProvider<ZodTypeProvider>();
  const editors = { staff: ['editor'] } as const;

  const SectionForm = z.object({
    name: singleLine(z.string().trim().min(1, 'give the section a name').max(100)),
    slug: z.union([
      z.literal(''),
      z
        .string()
        .trim()
        .max(60)
        .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'use lowercase words joined by hyphens'),
    ]),
    position: z.union([z.literal(''), z.coerce.number().int('a whole number').min(0).max(10_000)]),
    requires: z.union([
      z.literal(''),
      z.string().refine((key) => benefits.includes(key), `expected one of ${benefits.join(', ')}`),
    ]),
  });
  const problems = (error: z.ZodError) =>
    error.issues.map((issue) => `${String(issue.path[0] ?? 'form')}: ${issue.message}`).join('; ');

  async function sectionsPage(
    request: FastifyRequest,
    reply: FastifyReply,
    extra: Omit<Parameters<typeof SectionsPage>[0], 'principal' | 'nav' | 'sections' | 'benefits'> = {},
    status = 200,
  ) {
    const sections = (await content.sections()).map((section, position) => ({ ...section, position }));
    return html(
      reply,
      SectionsPage({ principal: principalOf(request), nav, sections, benefits, ...extra }),
      status,
    );
  }

  const refused = (error: unknown) =>
    error instanceof AppError &&
    (error.code === 'validation_failed' || error.code === 'conflict' || error.code === 'not_found');

  r.get(
    '/admin/sections',
    {
      config: editors,
      schema: {
        hide: true,
        querystring: z.object({
          done: z.enum(['created', 'saved']).optional().catch(undefined),
        }),
      },
    },
    async (request, reply) => {
      const { done } = request.query;
      return sectionsPage(request, reply, done ? { done: sectionDone[done] } : {});
    },
  );

  r.post('/admin/sections', { config: editors, schema: { hide: true } }, async (request, reply) => {
    const fields = fieldsOf(request.body);
    const draft = {
      name: fields.name ?? '',
      slug: fields.slug ?? '',
      position: fields.position ?? '',
      requires: fields.requires ?? '',
    };
    const parsed = SectionForm.safeParse(draft);
    if (!parsed.success) return sectionsPage(request, reply, { draft, error: problems(parsed.error) }, 422);
    const { name, slug, position, requires } = parsed.data;
    try {
      const section = await content.addSection({
        name,
        ...(slug !== '' && { slug }),
        ...(position !== '' && { position }),
        ...(requires !== '' && { requiredBenefit: requires }),
      });
      noteChange(request, {
        action: 'section.create',
        target: section.slug,
        after: { slug: section.slug, name: section.name, requires: section.requiredBenefit },
      });
      return reply.redirect('/admin/sections?done=created', 303);
    } catch (error) {
      if (refused(error) && error instanceof AppError)
        return sectionsPage(request, reply, { draft, error: error.message }, error.status);
      throw error;
    }
  });

  r.post(
    '/admin/sections/:slug',
    { config: editors, schema: { hide: true, params: SlugParams } },
    async (request, reply) => {
      const all = await content.sections();
      const index = all.findIndex((s) => s.slug === request.params.slug);
      const current = all[index];
      if (!current) throw new AppError('not_found', 'The section was not found.');
      const fields = fieldsOf(request.body);
      const parsed = SectionForm.safeParse({
        name: fields.name ?? '',
        slug: fields.slug ?? '',
        position: fields.position ?? '',
        requires: fields.requires ?? '',
      });
      if (!parsed.success) return sectionsPage(request, reply, { error: problems(parsed.error) }, 422);
      const { name, slug, position, requires } = parsed.data;
      try {
        const section = await content.updateSection(current.slug, {
          name,
          ...(slug !== '' && slug !== current.slug && { slug }),
          ...(position !== '' && position !== index && { position }),
          requiredBenefit: requires === '' ? null : requires,
        });
        noteChange(request, {
          action: 'section.update',
          target: section.slug,
          before: {
            slug: current.slug,
            name: current.name,
            position: index,
            requires: current.requiredBenefit,
          },
          after: { slug: section.slug, name: section.name, position, requires: section.requiredBenefit },
        });
        return reply.redirect('/admin/sections?done=saved', 303);
      } catch (error) {
        if (refused(error) && error instanceof AppError)
          return sectionsPage(request, reply, { error: error.message }, error.status);
        throw error;
      }
    },
  );

  async function frontPage(
    request: FastifyRequest,
    reply: FastifyReply,
    extra: { error?: string; done?: string } = {},
    status = 200,
  ) {
    const [{ leadArticleId }, candidates, lead] = await Promise.all([
      content.frontPage(),
      content.listPublished({ limit: 50 }),
      content.frontPageLead(),
    ]);
    const pinnedArticle = leadArticleId === null ? undefined : await content.find(leadArticleId);
    return html(
      reply,
      FrontPageAdminPage({
        principal: principalOf(request),
        nav,
        pinned: pinnedArticle
          ? { id: pinnedArticle.id, headline: pinnedArticle.headline, live: lead?.id === pinnedArticle.id }
          : null,
        candidates: candidates.map((a) => ({ id: a.id, headline: a.headline })),
        ...extra,
      }),
      status,
    );
  }

  r.get(
    '/admin/front-page',
    {
      config: editors,
      schema: {
        hide: true,
        querystring: z.object({ done: z.enum(['pinned', 'unpinned']).optional().catch(undefined) }),
      },
    },
    async (request, reply) => {
      const { done } = request.query;
      return frontPage(request, reply, done ? { done: frontDone[done] } : {});
    },
  );

  r.post('/admin/front-page', { config: editors, schema: { hide: true } }, async (request, reply) => {
    const lead = articleKey.safeParse(fieldsOf(request.body).lead ?? '');
    if (!lead.success) return frontPage(request, reply, { error: 'Choose the article to pin.' }, 422);
    const before = await content.frontPage();
    try {
      const after = await content.setFrontPage({ leadArticleId: lead.data });
      noteChange(request, { action: 'front-page.update', target: 'front-page', before, after });
      return reply.redirect('/admin/front-page?done=pinned', 303);
    } catch (error) {
      if (refused(error) && error instanceof AppError)
        return frontPage(request, reply, { error: error.message }, error.status);
      throw error;
    }
  });

  r.post('/admin/front-page/unpin', { config: editors, schema: { hide: true } }, async (request, reply) => {
    const before = await content.frontPage();
    const after = await content.setFrontPage({ leadArticleId: null });
    noteChange(request, { action: 'front-page.update', target: 'front-page', before, after });
    return reply.redirect('/admin/front-page?done=unpinned', 303);
  });
}
