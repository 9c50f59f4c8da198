import fastifyMultipart from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../kernel/errors.js';
import { noteChange, principalOf } from '../../kernel/staff-access.js';
import { singleLine } from '../../kernel/validation.js';
import type { AdminNavItem } from '../../web/admin/shell.js';
import { renderPage } from '../../web/render.js';
import { articleAccessLevels, type Section } from '../content/index.js';
import { feedMaxBytes } from './routes-admin.js';
import type { ImportSummary, WireService } from './service.js';
import { WireImportPage, type ImportForm } from './views.js';

const ImportFields = z.object({
  agency: singleLine(z.string().trim().min(1, 'name the agency').max(200)),
  section: z.string().regex(/^[a-z0-9-]{1,60}$/, 'choose a section'),
  access: z.enum(articleAccessLevels, 'choose free, metered or premium'),
});

/**
 * `/admin/wire`: import a feed by its address or from an uploaded file, through the wire
 * service as `POST /api/admin/v1/imports/…` does, and show what happened.
 */
export async function adminWirePageRoutes(
  app: FastifyInstance,
  deps: {
    wire: WireService;
    /** The sections to import into (the content service's). */
    sections: () => Promise<Section[]>;
    nav: readonly AdminNavItem[];
  },
): Promise<void> {
  const { wire, nav } = deps;
  const r = app.withTypeProvider<ZodTypeProvider>();
  await app.register(fastifyMultipart, {
    limits: { fileSize: feedMaxBytes, files: 1, fields: 8, fieldSize: 4000, parts: 10 },
  });
  const editors = { staff: ['editor'] } as const;

  const formOf = (fields: Record<string, string>): ImportForm => ({
    url: fields.url ?? '',
    agency: fields.agency ?? '',
    section: fields.section ?? '',
    access: fields.access ?? 'metered',
    publish: fields.publish === 'true',
  });

  async function page(
    request: FastifyRequest,
    reply: FastifyReply,
    view: { form?: ImportForm; error?: string; result?: ImportSummary },
    status = 200,
  ) {
    const sections = await deps.sections();
    const form = view.form ?? formOf({ section: sections[0]?.slug ?? '' });
    return reply
      .code(status)
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .send(
        renderPage(
          WireImportPage({
            principal: principalOf(request),
            nav,
            sections,
            form,
            ...(view.error && { error: view.error }),
            ...(view.result && { result: view.result }),
          }),
        ),
      );
  }

  /** Validates the shared fields, runs the import and shows its summary, or the problem. */
  async function run(
    request: FastifyRequest,
    reply: FastifyReply,
    form: ImportForm,
    target: string,
    importing: (options: z.output<typeof ImportFields> & { publish: boolean }) => Promise<ImportSummary>,
  ) {
    const parsed = ImportFields.safeParse(form);
    if (!parsed.success) {
      const error = parsed.error.issues.map((i) => `${String(i.path[0] ?? 'form')}: ${i.message}`).join('; ');
      return page(request, reply, { form, error }, 422);
    }
    try {
      const result = await importing({ ...parsed.data, publish: form.publish });
      noteChange(request, { action: 'wire.import', target, after: result });
      return page(request, reply, { form, result });
    } catch (error) {
      if (error instanceof AppError && error.status < 500)
        return page(request, reply, { form, error: error.message }, error.status);
      throw error;
    }
  }

  const stringFields = (body: unknown) => {
    const fields: Record<string, string> = {};
    if (body && typeof body === 'object')
      for (const [key, value] of Object.entries(body)) if (typeof value === 'string') fields[key] = value;
    return fields;
  };

  r.get('/admin/wire', { config: editors, schema: { hide: true } }, async (request, reply) =>
    page(request, reply, {}),
  );

  r.post('/admin/wire/feed', { config: editors, schema: { hide: true } }, async (request, reply) => {
    const form = formOf(stringFields(request.body));
    if (form.url.trim() === '' || form.url.length > 2000)
      return page(request, reply, { form, error: 'url: give the feed’s address.' }, 422);
    return run(request, reply, form, form.url, (options) => wire.importUrl(form.url.trim(), options));
  });

  r.post('/admin/wire/file', { config: editors, schema: { hide: true } }, async (request, reply) => {
    if (!request.isMultipart())
      return page(
        request,
        reply,
        { form: formOf(stringFields(request.body)), error: 'file: choose a feed file.' },
        422,
      );
    const fields: Record<string, string> = {};
    let xml: string | undefined;
    let tooLarge = false;
    for await (const part of request.parts()) {
      if (part.type === 'field') {
        if (typeof part.value === 'string') fields[part.fieldname] = part.value;
        continue;
      }
      if (part.fieldname !== 'file' || xml !== undefined) {
        part.file.resume();
        continue;
      }
      try {
        xml = (await part.toBuffer()).toString('utf8');
      } catch (error) {
        if (!(error instanceof app.multipartErrors.RequestFileTooLargeError)) throw error;
        tooLarge = true;
        break;
      }
    }
    const form = formOf(fields);
    if (tooLarge)
      return page(request, reply, { form, error: 'file: the feed is larger than the limit of 5 MB.' }, 413);
    if (xml === undefined || xml === '')
      return page(request, reply, { form, error: 'file: choose a feed file.' }, 422);
    const text = xml;
    return run(request, reply, form, 'upload', (options) => wire.importText(text, options));
  });
}
