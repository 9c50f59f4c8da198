import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { PaywallDraft } from './preview.js';
import type { PaywallService } from './service.js';
import { noteNoChange } from '../../kernel/staff-access.js';

/**
 * `POST /api/admin/v1/previews/paywall`: the paywall and banner copy a draft would show, for a
 * sample reader in each state, without saving it. The admin's copy page calls the same
 * `PaywallService.preview`.
 */
export async function adminPaywallPreviewRoutes(
  app: FastifyInstance,
  deps: { paywall: PaywallService },
): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  // onRequest: the key is checked before the body is even parsed or validated.

  r.post(
    '/api/admin/v1/previews/paywall',
    {
      config: { staff: ['marketer'] },
      schema: {
        tags: ['admin'],
        security: [{ bearer: [] }],
        summary: 'Render draft paywall and banner copy for a sample reader in each state, without saving it',
        body: PaywallDraft,
      },
    },
    async (request) => {
      noteNoChange(request);
      return { states: await deps.paywall.preview(request.body) };
    },
  );
}
