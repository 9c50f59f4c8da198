import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type { FastifyMultipartOptions } from '@fastify/multipart';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../../kernel/errors.js';
import type { Edition } from './domain.js';
import type { EpaperService } from './service.js';

/** The multipart limits of an edition upload: one PDF of at most `maxBytes`, a few short fields. */
export function editionMultipartLimits(maxBytes: number): FastifyMultipartOptions {
  return { limits: { fileSize: maxBytes, files: 1, fields: 4, fieldSize: 1000, parts: 6 } };
}

/**
 * Reads one edition upload (multipart: `date`, `name`, `file`) to disk and hands it to the
 * service, which validates the fields and queues the processing. The API and the admin page
 * both upload through here. `app` is the scope the multipart plugin is registered in. A file
 * over the limit is refused as it streams (413), and what was written of it is discarded.
 */
export async function receiveEdition(
  app: FastifyInstance,
  request: FastifyRequest,
  deps: { epaper: EpaperService; maxBytes: number },
  /** Filled with the form's text fields as they are read: a refused form is shown again with them. */
  fields: Record<string, string> = {},
): Promise<Edition> {
  const { epaper, maxBytes } = deps;
  const limitMb = Math.round((maxBytes / 1024 / 1024) * 10) / 10;
  const tooLarge = () =>
    new AppError(
      'payload_too_large',
      `file: the PDF is larger than the limit of ${limitMb} MB (EPAPER_MAX_MB).`,
      {
        limitBytes: maxBytes,
      },
    );
  if (!request.isMultipart()) {
    throw new AppError(
      'bad_request',
      'Send multipart/form-data with the fields date (YYYY-MM-DD), name and file (the PDF).',
    );
  }
  // A body declared far larger than the limit is refused before a byte of it is read.
  const declared = Number(request.headers['content-length'] ?? 0);
  if (declared > maxBytes + 64 * 1024) throw tooLarge();
  let upload: { path: string; bytes: number } | undefined;
  try {
    for await (const part of request.parts()) {
      if (part.type === 'field') {
        if (typeof part.value === 'string') fields[part.fieldname] = part.value;
        continue;
      }
      if (part.fieldname !== 'file' || upload) {
        part.file.resume();
        throw new AppError('validation_failed', `${part.fieldname}: expected one file, in the field "file"`);
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
  // `accept` checks the fields and the file, and takes the upload or removes it.
  return epaper.accept({ date: fields.date, name: fields.name, upload: upload.path, bytes: upload.bytes });
}
