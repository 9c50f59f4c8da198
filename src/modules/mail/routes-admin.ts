import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { noteChange, noteNoChange } from '../../kernel/staff-access.js';
import { MailTemplateInput, type MailCopy } from './publisher-copy.js';

const Params = z.object({ name: z.string().min(1).max(100) });
const marketers = { staff: ['marketer'] } as const;
const api = { tags: ['admin'], security: [{ bearer: [] }] };

/**
 * The publisher's copy of the mail templates: list them, read one, replace its copy (checked
 * as it is saved), go back to the default, and preview a draft with each of the template's
 * samples. The admin's mail pages act through the same `MailCopy`.
 */
export async function adminMailTemplateRoutes(app: FastifyInstance, deps: { copy: MailCopy }): Promise<void> {
  const { copy } = deps;
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get(
    '/api/admin/v1/mail-templates',
    {
      config: marketers,
      schema: {
        ...api,
        summary:
          'The mail templates: name, module, description, variables and whether the publisher customised it',
      },
    },
    async () => ({ templates: await copy.list() }),
  );

  r.get(
    '/api/admin/v1/mail-templates/:name',
    {
      config: marketers,
      schema: {
        ...api,
        summary: 'One mail template: the copy sent now, the default copy and the links each part must keep',
        params: Params,
      },
    },
    async (request) => ({ template: await copy.get(request.params.name) }),
  );

  r.put(
    '/api/admin/v1/mail-templates/:name',
    {
      config: marketers,
      schema: {
        ...api,
        summary:
          "Replace a mail template's copy (subject, text and HTML Liquid); 422 names the part and the problem",
        params: Params,
        body: MailTemplateInput,
      },
    },
    async (request) => {
      const { name } = request.params;
      const { before, after } = await copy.save(name, request.body);
      noteChange(request, { action: 'mail-template.update', target: name, before, after });
      return { template: await copy.get(name) };
    },
  );

  r.delete(
    '/api/admin/v1/mail-templates/:name',
    {
      config: marketers,
      schema: {
        ...api,
        summary: "Go back to a mail template's default copy",
        params: Params,
      },
    },
    async (request) => {
      const { name } = request.params;
      const { before } = await copy.reset(name);
      noteChange(request, { action: 'mail-template.reset', target: name, before, after: null });
      return { template: await copy.get(name) };
    },
  );

  r.post(
    '/api/admin/v1/mail-templates/:name/preview',
    {
      config: marketers,
      schema: {
        ...api,
        summary: 'Render a draft of a mail template with each of its samples, without saving it',
        params: Params,
        body: MailTemplateInput,
      },
    },
    async (request) => {
      const samples = await copy.preview(request.params.name, request.body);
      noteNoChange(request);
      return { samples };
    },
  );
}
