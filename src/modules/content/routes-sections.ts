import type { FastifyInstance, onRequestAsyncHookHandler } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Section } from './domain.js';
import type { ContentService } from './service.js';

const SectionParams = z.object({ slug: z.string().regex(/^[a-z0-9-]{1,60}$/, 'expected a section slug') });

const sectionJson = (section: Section) => ({
  id: section.id,
  slug: section.slug,
  name: section.name,
  requiredBenefit: section.requiredBenefit,
});

/**
 * The sections' part of the admin API: `GET /api/admin/v1/sections` and
 * `PATCH /api/admin/v1/sections/:slug {requiredBenefit}`, which makes a section a premium
 * vertical (its articles need that benefit) or, with null, an ordinary section again.
 */
export async function adminSectionRoutes(
  app: FastifyInstance,
  deps: {
    content: ContentService;
    requireAdmin: onRequestAsyncHookHandler;
    /** The benefits a plan can include (plans' catalogue): the only ones a section may require. */
    benefits: readonly string[];
  },
): Promise<void> {
  const { content, requireAdmin, benefits } = deps;
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.addHook('onRequest', requireAdmin);

  const UpdateSectionBody = z
    .object({
      requiredBenefit: z
        .string()
        .refine((benefit) => benefits.includes(benefit), {
          message: `expected one of ${benefits.join(', ')}, or null`,
        })
        .nullable(),
    })
    .strict();

  r.get(
    '/api/admin/v1/sections',
    { schema: { tags: ['admin'], security: [{ bearer: [] }], summary: 'The sections, in order' } },
    async () => ({ sections: (await content.sections()).map(sectionJson) }),
  );

  r.patch(
    '/api/admin/v1/sections/:slug',
    {
      schema: {
        tags: ['admin'],
        security: [{ bearer: [] }],
        summary: 'Make a section a premium vertical (requiredBenefit) or an ordinary one (null)',
        params: SectionParams,
        body: UpdateSectionBody,
      },
    },
    async (request) => ({
      section: sectionJson(
        await content.setSectionRequirement(request.params.slug, request.body.requiredBenefit),
      ),
    }),
  );
}
