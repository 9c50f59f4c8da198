import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import fastifyMultipart from '@fastify/multipart';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError, notFound } from '../../kernel/errors.js';
import { editionAdminJson } from './serializers.js';
import type { EpaperService } from './service.js';

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
  await app.register(fastifyMultipart, {
    limits: { fileSize: maxBytes, files: 1, fields: 4, fieldSize: 1000, parts: 6 },
  });
  const limitMb = Math.round((maxBytes / 1024 / 1024) * 10) / 10;
  const tooLarge = () =>
    new AppError(
      'payload_too_large',
      `file: the PDF is larger than the limit of ${limitMb} MB (EPAPER_MAX_MB).`,
      {
        limitBytes: maxBytes,
      },
    );

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
      if (!request.isMultipart()) {
        throw new AppError(
          'bad_request',
          'Send multipart/form-data with the fields date (YYYY-MM-DD), name and file (the PDF).',
        );
      }
      // A body declared far larger than the limit is refused before a byte of it is read.
      const declared = Number(request.headers['content-length'] ?? 0);
      if (declared > maxBytes + 64 * 1024) throw tooLarge();
      const fields: Record<string, string> = {};
      let upload: { path: string; bytes: number } | undefined;
      try {
        for await (const part of request.parts()) {
          if (part.type === 'field') {
            if (typeof part.value === 'string') fields[part.fieldname] = part.value;
            continue;
          }
          if (part.fieldname !== 'file' || upload) {
            part.file.resume();
            throw new AppError(
              'validation_failed',
              `${part.fieldname}: expected one file, in the field "file"`,
            );
          }
          const path = await epaper.uploadPath();
          upload = { path, bytes: 0 };
          const received = upload;
          part.file.on('data', (chunk: Buffer) => (received.bytes += chunk.length));
          await pipeline(part.file, createWriteStream(path));
        }
      } catch (error) {
        if (upload) await epaper.discard(upload.path);
        if (error instanceof app.multipartErrors.RequestFileTooLargeError) throw tooLarge();
        throw error;
      }
      if (!upload) throw new AppError('validation_failed', 'file: expected the edition’s PDF');
      const edition = await epaper.accept({
        date: fields.date,
        name: fields.name,
        upload: upload.path,
        bytes: upload.bytes,
      });
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
