import { createReadStream } from 'node:fs';
import fastifyMultipart from '@fastify/multipart';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError, notFound } from '../../kernel/errors.js';
import { noteChange } from '../../kernel/staff-access.js';
import { imageMaxBytes, type ImageLibrary, type StoredImage } from './images.js';

const imageJson = (image: StoredImage, publicUrl: string) => ({
  name: image.name,
  type: image.type,
  bytes: image.bytes,
  path: image.path,
  url: `${publicUrl}${image.path}`,
});

/**
 * `POST /api/admin/v1/images` (multipart, one field `file`): stores a JPEG, PNG, WebP or GIF of
 * at most 10 MB, checked by its first bytes, and answers where readers load it from.
 */
export async function adminImageRoutes(
  app: FastifyInstance,
  deps: { images: ImageLibrary; publicUrl: string },
): Promise<void> {
  const { images, publicUrl } = deps;
  const r = app.withTypeProvider<ZodTypeProvider>();
  // Multipart bodies only in this plugin's scope, bounded as the e-paper's are.
  await app.register(fastifyMultipart, {
    limits: { fileSize: imageMaxBytes, files: 1, fields: 2, fieldSize: 1000, parts: 3 },
  });
  const tooLarge = () =>
    new AppError('payload_too_large', 'file: the image is larger than the limit of 10 MB.', {
      limitBytes: imageMaxBytes,
    });

  r.post(
    '/api/admin/v1/images',
    {
      config: { staff: ['editor'] },
      schema: {
        tags: ['admin'],
        security: [{ bearer: [] }],
        summary: 'Upload an image (multipart: file) for article bodies',
        consumes: ['multipart/form-data'],
      },
    },
    async (request, reply) => {
      if (!request.isMultipart()) {
        throw new AppError('bad_request', 'Send multipart/form-data with the image in the field "file".');
      }
      if (Number(request.headers['content-length'] ?? 0) > imageMaxBytes + 64 * 1024) throw tooLarge();
      let bytes: Buffer | undefined;
      try {
        for await (const part of request.parts()) {
          if (part.type === 'field') continue;
          if (part.fieldname !== 'file' || bytes) {
            part.file.resume();
            throw new AppError(
              'validation_failed',
              `${part.fieldname}: expected one file, in the field "file"`,
            );
          }
          bytes = await part.toBuffer();
        }
      } catch (error) {
        if (error instanceof app.multipartErrors.RequestFileTooLargeError) throw tooLarge();
        throw error;
      }
      if (!bytes) throw new AppError('validation_failed', 'file: expected an image');
      const image = await images.save(bytes);
      noteChange(request, {
        action: 'image.upload',
        target: image.name,
        after: { type: image.type, bytes: image.bytes },
      });
      return reply.status(201).send({ image: imageJson(image, publicUrl) });
    },
  );
}

/** `GET /media/images/:name`: an uploaded image, for anyone (article bodies show them). */
export async function imageRoutes(app: FastifyInstance, deps: { images: ImageLibrary }): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get(
    '/media/images/:name',
    { schema: { hide: true, params: z.object({ name: z.string().max(60) }) } },
    async (request, reply) => {
      const file = await deps.images.file(request.params.name);
      if (!file) throw notFound('The image');
      // Named by its digest: the bytes behind a name never change.
      return reply
        .type(file.type)
        .header('cache-control', 'public, max-age=31536000, immutable')
        .header('content-security-policy', "default-src 'none'")
        .send(createReadStream(file.path));
    },
  );
}
