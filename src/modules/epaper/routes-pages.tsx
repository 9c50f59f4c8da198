import fastifyMultipart from '@fastify/multipart';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { AppError } from '../../kernel/errors.js';
import { noteChange, principalOf } from '../../kernel/staff-access.js';
import type { AdminNavItem } from '../../web/admin/shell.js';
import { renderPage, sendHtml } from '../../web/render.js';
import type { EpaperService } from './service.js';
import { editionMultipartLimits, receiveEdition } from './upload.js';
import { EpaperAdminPage, type EditionFormValues } from './views-admin.js';
import { doneNotices } from '../../web/admin/done.js';

// What just happened, by a word in the redirect's query: a link cannot make the page say anything else.
const doneMessages = {
  uploaded: 'Edition uploaded: its pages are being drawn, and readers see it once it is ready.',
} as const;
const notices = doneNotices(doneMessages);
const DoneQuery = notices.query;

const editors = { staff: ['editor'] as const };

/**
 * `/admin/epaper`: the editions with their processing, and an upload form, through the same
 * upload path and `EpaperService` as `POST /api/admin/v1/epaper/editions`.
 */
export async function epaperPageRoutes(
  app: FastifyInstance,
  deps: {
    epaper: EpaperService;
    maxBytes: number;
    nav: readonly AdminNavItem[];
  },
): Promise<void> {
  const { epaper, maxBytes, nav } = deps;
  const r = app.withTypeProvider<ZodTypeProvider>();
  // Multipart bodies in this plugin's scope only.
  await app.register(fastifyMultipart, editionMultipartLimits(maxBytes));

  async function page(
    request: FastifyRequest,
    extra: { error?: string; done?: string; form?: EditionFormValues } = {},
  ) {
    return renderPage(
      EpaperAdminPage({
        principal: principalOf(request),
        nav,
        editions: await epaper.listAll(),
        form: extra.form ?? { date: await epaper.today(), name: '' },
        maxBytes,
        error: extra.error,
        done: extra.done,
      }),
    );
  }

  r.get(
    '/admin/epaper',
    { config: editors, schema: { hide: true, querystring: DoneQuery } },
    async (request, reply) => sendHtml(reply, await page(request, notices.notice(request.query.done))),
  );

  r.post('/admin/epaper', { config: editors, schema: { hide: true } }, async (request, reply) => {
    const fields: Record<string, string> = {};
    try {
      const edition = await receiveEdition(app, request, deps, fields);
      noteChange(request, {
        action: 'epaper.upload',
        target: edition.id,
        after: { date: edition.date, name: edition.name, fileBytes: edition.fileBytes },
      });
      return reply.redirect('/admin/epaper?done=uploaded', 303);
    } catch (error) {
      if (!(error instanceof AppError) || error.status >= 500) throw error;
      const form = { date: fields.date ?? '', name: fields.name ?? '' };
      return sendHtml(reply, await page(request, { error: error.message, form }), error.status);
    }
  });
}
