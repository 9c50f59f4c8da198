import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../kernel/errors.js';
import { noteChange, principalOf } from '../../kernel/staff-access.js';
import type { AdminNavItem } from '../../web/admin/shell.js';
import { renderPage, sendHtml } from '../../web/render.js';
import type { SettingsChanges, SettingsStore } from '../settings/index.js';
import { adsSettingsKey, adsSettingsSchema } from './settings.js';
import { AdsPage, type AdsFormValues } from './views-admin.js';

// Generous bounds for what a browser posts; the settings' schema gives the real limits, with
// messages a marketer can act on, and the form keeps what was typed.
const AdsForm = z.object({ slotHtml: z.string().max(100_000), scriptSources: z.string().max(10_000) });
const SavedQuery = z.object({ saved: z.literal('1').optional() });

const marketers = { staff: ['marketer'] } as const;

/** Browsers post a textarea's line breaks as CRLF; the slot is kept with plain newlines. */
const lines = (value: string) => value.replace(/\r\n?/g, '\n');

/**
 * `/admin/ads`: the ad slot and its allowed script origins, saved through `SettingsChanges` as
 * `PATCH /api/admin/v1/settings {"ads": …}` saves them, and refused for the same reasons.
 */
export async function adsPageRoutes(
  app: FastifyInstance,
  deps: {
    settings: Pick<SettingsStore, 'read'>;
    changes: Pick<SettingsChanges, 'change'>;
    nav: readonly AdminNavItem[];
  },
): Promise<void> {
  const { settings, changes, nav } = deps;
  const r = app.withTypeProvider<ZodTypeProvider>();

  const page = (
    request: FastifyRequest,
    values: AdsFormValues,
    extra: { error?: string; saved?: boolean } = {},
  ) => renderPage(AdsPage({ principal: principalOf(request), nav, values, ...extra }));

  r.get(
    '/admin/ads',
    { config: marketers, schema: { hide: true, querystring: SavedQuery } },
    async (request, reply) => {
      const stored = await settings.read(adsSettingsKey, adsSettingsSchema);
      const values = { slotHtml: stored.slotHtml, scriptSources: stored.scriptSources.join('\n') };
      return sendHtml(reply, page(request, values, { saved: request.query.saved === '1' }));
    },
  );

  r.post(
    '/admin/ads',
    { config: marketers, schema: { hide: true, body: AdsForm } },
    async (request, reply) => {
      const values = {
        slotHtml: lines(request.body.slotHtml),
        scriptSources: lines(request.body.scriptSources),
      };
      const scriptSources = values.scriptSources
        .split('\n')
        .map((line) => line.trim())
        .filter((line) => line !== '');
      try {
        const { before, after } = await changes.change(
          { [adsSettingsKey]: { slotHtml: values.slotHtml.trim(), scriptSources } },
          principalOf(request).role,
        );
        noteChange(request, {
          action: 'settings.update',
          target: adsSettingsKey,
          before: before[adsSettingsKey],
          after: after[adsSettingsKey],
        });
        return reply.redirect('/admin/ads?saved=1', 303);
      } catch (error) {
        if (!(error instanceof AppError) || error.code !== 'validation_failed') throw error;
        return sendHtml(reply, page(request, values, { error: error.message }), 422);
      }
    },
  );
}
