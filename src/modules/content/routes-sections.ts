import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../kernel/errors.js';
import { singleLine } from '../../kernel/validation.js';
import { noteChange } from '../../kernel/staff-access.js';
import type { Section } from './domain.js';
import type { ContentService } from './service.js';

const sectionSlug = z
  .string()
  .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'expected lowercase words joined by hyphens')
  .max(60);
const SectionParams = z.object({ slug: z.string().regex(/^[a-z0-9-]{1,60}$/, 'expected a section slug') });

const sectionJson = (section: Section, position: number) => ({
  id: section.id,
  slug: section.slug,
  name: section.name,
  position,
  requires: section.requiredBenefit,
  /** The same as `requires`, under its first name. */
  requiredBenefit: section.requiredBenefit,
});

const editors = { staff: ['editor'] } as const;

/**
 * The sections' part of the admin API: `GET`/`POST /api/admin/v1/sections` and
 * `PATCH /api/admin/v1/sections/:slug {name?, slug?, position?, requires?}`. `requires` names
 * the benefit a section's articles need (a premium vertical) or, with null, none;
 * `requiredBenefit` is its older name and still works.
 */
export async function adminSectionRoutes(
  app: FastifyInstance,
  deps: {
    content: ContentService;
    /** The benefits a plan can include (plans' catalogue): the only ones a section may require. */
    benefits: readonly string[];
  },
): Promise<void> {
  const { content, benefits } = deps;
  const r = app.withTypeProvider<ZodTypeProvider>();

  const benefit = z
    .string()
    .refine((key) => benefits.includes(key), { message: `expected one of ${benefits.join(', ')}, or null` })
    .nullable();
  const fields = {
    name: singleLine(z.string().trim().min(1).max(100)),
    slug: sectionSlug,
    position: z.number().int().min(0).max(10_000),
    requires: benefit,
    requiredBenefit: benefit,
  };
  const CreateSectionBody = z
    .object({ name: fields.name })
    .extend({
      slug: fields.slug.optional(),
      position: fields.position.optional(),
      requires: fields.requires.optional(),
      requiredBenefit: fields.requiredBenefit.optional(),
    })
    .strict();
  const UpdateSectionBody = z.object(fields).partial().strict();

  /** `requires`, or its older name; both given must agree. */
  function required(body: { requires?: string | null; requiredBenefit?: string | null }) {
    if (
      body.requires !== undefined &&
      body.requiredBenefit !== undefined &&
      body.requires !== body.requiredBenefit
    ) {
      throw new AppError(
        'validation_failed',
        'requires and requiredBenefit are one field: give one of them.',
        {
          field: 'requires',
        },
      );
    }
    return body.requires !== undefined ? body.requires : body.requiredBenefit;
  }

  async function positioned(section: Section) {
    const all = await content.sections();
    return sectionJson(
      section,
      Math.max(
        0,
        all.findIndex((s) => s.id === section.id),
      ),
    );
  }

  r.get(
    '/api/admin/v1/sections',
    {
      config: editors,
      schema: { tags: ['admin'], security: [{ bearer: [] }], summary: 'The sections, in order' },
    },
    async () => ({ sections: (await content.sections()).map(sectionJson) }),
  );

  r.post(
    '/api/admin/v1/sections',
    {
      config: editors,
      schema: {
        tags: ['admin'],
        security: [{ bearer: [] }],
        summary: 'Create a section (the slug is made from the name unless given); a taken slug is 409',
        body: CreateSectionBody,
      },
    },
    async (request, reply) => {
      const { name, slug, position } = request.body;
      const requires = required(request.body);
      const section = await content.addSection({
        name,
        ...(slug !== undefined && { slug }),
        ...(position !== undefined && { position }),
        ...(requires !== undefined && { requiredBenefit: requires }),
      });
      const body = await positioned(section);
      noteChange(request, { action: 'section.create', target: section.slug, after: body });
      return reply
        .status(201)
        .header('location', `/api/admin/v1/sections/${section.slug}`)
        .send({ section: body });
    },
  );

  r.patch(
    '/api/admin/v1/sections/:slug',
    {
      config: editors,
      schema: {
        tags: ['admin'],
        security: [{ bearer: [] }],
        summary: 'Rename, re-slug, move, or change the benefit a section requires (null: none)',
        params: SectionParams,
        body: UpdateSectionBody,
      },
    },
    async (request) => {
      const all = await content.sections();
      const index = all.findIndex((s) => s.slug === request.params.slug);
      const current = all[index];
      const { name, slug, position } = request.body;
      const requires = required(request.body);
      const section = await content.updateSection(request.params.slug, {
        ...(name !== undefined && { name }),
        ...(slug !== undefined && { slug }),
        ...(position !== undefined && { position }),
        ...(requires !== undefined && { requiredBenefit: requires }),
      });
      const body = await positioned(section);
      noteChange(request, {
        action: 'section.update',
        target: section.slug,
        ...(current && { before: sectionJson(current, index) }),
        after: body,
      });
      return { section: body };
    },
  );
}
