import fastifyMultipart from '@fastify/multipart';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { notFound } from '../../kernel/errors.js';
import { editionAdminJson } from './serializers.js';
import type { EpaperService } from './service.js';
import { editionMultipartLimits, receiveEdition } from './upload.js';

const EditionParams = z.object({ id: z.string().max(40) });

/**
 * Staff's part of the e-paper: `POST /api/admin/v1/epaper/editions` takes one edition's PDF
 * (multipart: `date`, `name`, `file`) and answers 202 while it is processed in the background;
 * `GET …/:id` shows how far processing has got.
 */
export async function adminEpaperRoutes(
  app: FastifyInstance,
  deps: { epaper: EpaperService; maxBytes: number },
): Promise<void> {
  const { epaper, maxBytes } = deps;
  const r = app.withTypeProvider<ZodTypeProvider>();
  // Multipart bodies only here (this plugin's scope): nothing else in the API takes a file.
  await app.register(fastifyMultipart, editionMultipartLimits(maxBytes));

  r.post(
    '/api/admin/v1/epaper/editions',
    {
      config: { staff: ['editor'] },
      schema: {
        tags: ['admin'],
        security: [{ bearer: [] }],
        summary: 'Upload an edition (multipart: date, name, file); processed in the background',
        consumes: ['multipart/form-data'],
      },
    },
    async (request, reply) => {
      const edition = await receiveEdition(app, request, deps);
      return reply.status(202).send({ edition: editionAdminJson(edition) });
    },
  );

  r.get(
    '/api/admin/v1/epaper/editions',
    {
      config: { staff: ['editor'] },
      schema: { tags: ['admin'], security: [{ bearer: [] }], summary: 'Every edition, newest first' },
    },
    async () => ({ editions: (await epaper.listAll()).map((edition) => editionAdminJson(edition)) }),
  );

  r.get(
    '/api/admin/v1/epaper/editions/:id',
    {
      config: { staff: ['editor'] },
      schema: {
        tags: ['admin'],
        security: [{ bearer: [] }],
        summary: 'One edition: its status and processing progress',
        params: EditionParams,
      },
    },
    async (request) => {
      const found = await epaper.status(request.params.id);
      if (!found) throw notFound('The e-paper edition');
      return { edition: editionAdminJson(found.edition, found.job) };
    },
  );
}
