import fastifyMultipart from '@fastify/multipart';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../kernel/errors.js';
import { singleLine } from '../../kernel/validation.js';
import { articleAccessLevels } from '../content/index.js';
import { noteChange } from '../../kernel/staff-access.js';
import type { WireService } from './service.js';

/** The largest feed fetched or uploaded. */
export const feedMaxBytes = 5 * 1024 * 1024;

const ImportFields = {
  agency: singleLine(z.string().trim().min(1).max(200)),
  section: z
    .string()
    .regex(/^[a-z0-9-]{1,60}$/, 'expected a section slug')
    .optional(),
  access: z.enum(articleAccessLevels).optional(),
};
const FeedImportBody = z
  .object({ url: z.string().max(2000), ...ImportFields, publish: z.boolean().optional() })
  .strict();
const FileImportFields = z
  .object({ ...ImportFields, publish: z.enum(['true', 'false']).optional() })
  .strict();

const editors = { staff: ['editor'] } as const;

/**
 * Wire import: `POST /api/admin/v1/imports/feed {url, agency, section?, publish?, access?}` and
 * `POST /api/admin/v1/imports/file` (multipart: `file` and the same fields). Both run at once and
 * answer 202 with what happened: `{imported, skipped, failed: [{guid, title, reason}]}`.
 */
export async function adminWireRoutes(app: FastifyInstance, deps: { wire: WireService }): Promise<void> {
  const { wire } = deps;
  const r = app.withTypeProvider<ZodTypeProvider>();
  await app.register(fastifyMultipart, {
    limits: { fileSize: feedMaxBytes, files: 1, fields: 6, fieldSize: 1000, parts: 8 },
  });

  r.post(
    '/api/admin/v1/imports/feed',
    {
      config: editors,
      schema: {
        tags: ['admin'],
        security: [{ bearer: [] }],
        summary: 'Import an RSS or Atom feed by URL as syndicated articles (drafts unless publish)',
        body: FeedImportBody,
      },
    },
    async (request, reply) => {
      const { url, ...options } = request.body;
      const summary = await wire.importUrl(url, options);
      noteChange(request, { action: 'wire.import', target: url, after: summary });
      return reply.status(202).send(summary);
    },
  );

  r.post(
    '/api/admin/v1/imports/file',
    {
      config: editors,
      schema: {
        tags: ['admin'],
        security: [{ bearer: [] }],
        summary: 'Import an uploaded RSS or Atom file (multipart: file, agency, section?, publish?, access?)',
        consumes: ['multipart/form-data'],
      },
    },
    async (request, reply) => {
      if (!request.isMultipart()) {
        throw new AppError(
          'bad_request',
          'Send multipart/form-data with the feed in the field "file" and agency.',
        );
      }
      const fields: Record<string, string> = {};
      let xml: string | undefined;
      try {
        for await (const part of request.parts()) {
          if (part.type === 'field') {
            if (typeof part.value === 'string') fields[part.fieldname] = part.value;
            continue;
          }
          if (part.fieldname !== 'file' || xml !== undefined) {
            part.file.resume();
            throw new AppError(
              'validation_failed',
              `${part.fieldname}: expected one file, in the field "file"`,
            );
          }
          xml = (await part.toBuffer()).toString('utf8');
        }
      } catch (error) {
        if (error instanceof app.multipartErrors.RequestFileTooLargeError) {
          throw new AppError('payload_too_large', 'file: the feed is larger than the limit of 5 MB.');
        }
        throw error;
      }
      if (xml === undefined) throw new AppError('validation_failed', 'file: expected the feed');
      const parsed = FileImportFields.safeParse(fields);
      if (!parsed.success) {
        throw new AppError(
          'validation_failed',
          parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; '),
        );
      }
      const { publish, ...options } = parsed.data;
      const summary = await wire.importText(xml, { ...options, publish: publish === 'true' });
      noteChange(request, { action: 'wire.import', target: 'upload', after: summary });
      return reply.status(202).send(summary);
    },
  );
}
