import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { noteChange, principalOf } from '../../kernel/staff-access.js';
import type { SettingsChanges } from './changes.js';

/**
 * `GET` and `PATCH /api/admin/v1/settings`. A PATCH names the sections it changes
 * (`{"meter": {"freeLimit": 3}}`); each section is merged into what is stored and
 * validated by its owner's schema — an invalid template is refused with a 422 that names
 * the problem, and nothing is saved unless every section is valid (`SettingsChanges.change`).
 */
export async function settingsRoutes(
  app: FastifyInstance,
  deps: { changes: SettingsChanges },
): Promise<void> {
  const { changes } = deps;
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get(
    '/api/admin/v1/settings',
    {
      config: { staff: ['marketer'] },
      schema: {
        tags: ['admin'],
        security: [{ bearer: [] }],
        summary: 'Publication, meter and paywall settings',
      },
    },
    async () => ({ settings: await changes.readAll() }),
  );

  r.patch(
    '/api/admin/v1/settings',
    {
      config: { staff: ['marketer'] },
      schema: {
        tags: ['admin'],
        security: [{ bearer: [] }],
        summary: 'Change settings, section by section',
        body: z.record(z.string(), z.unknown()),
      },
    },
    async (request) => {
      const { before, after, changed } = await changes.change(request.body, principalOf(request).role);
      noteChange(request, {
        action: 'settings.update',
        target: changed.join(','),
        before: Object.fromEntries(changed.map((key) => [key, before[key]])),
        after: Object.fromEntries(changed.map((key) => [key, after[key]])),
      });
      return { settings: after };
    },
  );
}
