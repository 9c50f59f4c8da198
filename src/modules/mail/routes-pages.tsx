import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { renderToString } from 'preact-render-to-string';
import { z } from 'zod';
import { AppError } from '../../kernel/errors.js';
import { noteChange, noteNoChange, principalOf } from '../../kernel/staff-access.js';
import type { AdminNavItem } from '../../web/admin/shell.js';
import { renderPage, sendHtml } from '../../web/render.js';
import type { MailCopy, MailTemplateDetail } from './publisher-copy.js';
import type { MailTemplate, RenderedMail } from './templates.js';
import { MailPreview, MailTemplateListPage, MailTemplatePage } from './views-admin.js';

const Params = z.object({ name: z.string().min(1).max(100) });
const part = z.string().max(200_000).optional();
const Form = z.object({
  intent: z.enum(['preview', 'save', 'reset']),
  subject: part,
  text: part,
  html: part,
});

/** Browsers post a textarea's line breaks as CRLF; copy is kept with plain newlines. */
const lines = (value: string | undefined) => (value ?? '').replace(/\r\n?/g, '\n');

/** A refusal the marketer can fix in the form, as opposed to a fault. */
const refusalOf = (error: unknown): string | undefined =>
  error instanceof AppError && (error.code === 'invalid_template' || error.code === 'validation_failed')
    ? error.message
    : undefined;

/**
 * `/admin/mail`: the mail templates by module; `/admin/mail/:name`: one template's copy with a
 * preview for each of its samples, saved and reset through `MailCopy` as the admin API does.
 * The Preview button re-renders the page with the unsaved copy; no script is needed.
 * `/assets/admin-live-preview.js` refreshes the preview as one types, from `POST /admin/mail/:name/preview`.
 */
export async function mailPageRoutes(
  app: FastifyInstance,
  deps: { copy: MailCopy; nav: readonly AdminNavItem[] },
): Promise<void> {
  const { copy, nav } = deps;
  const r = app.withTypeProvider<ZodTypeProvider>();
  const shell = (request: FastifyRequest) => ({ principal: principalOf(request), nav });

  async function preview(
    name: string,
    template: MailTemplate,
  ): Promise<{ samples: RenderedMail[] } | { samples?: undefined; error: string }> {
    try {
      return { samples: await copy.preview(name, template) };
    } catch (error) {
      const refusal = refusalOf(error);
      if (refusal === undefined) throw error;
      return { error: refusal };
    }
  }

  /** The copy sent now, previewed; a stored copy that no longer renders shows why. */
  async function currentPreview(detail: MailTemplateDetail) {
    const shown = await preview(detail.name, detail.template);
    return 'error' in shown ? { previewError: shown.error } : { samples: shown.samples };
  }

  r.get('/admin/mail', { config: { staff: ['marketer'] }, schema: { hide: true } }, async (request, reply) =>
    sendHtml(reply, renderPage(MailTemplateListPage({ ...shell(request), templates: await copy.list() }))),
  );

  r.get(
    '/admin/mail/:name',
    {
      config: { staff: ['marketer'] },
      schema: {
        hide: true,
        params: Params,
        querystring: z.object({ saved: z.enum(['1', 'reset']).optional() }),
      },
    },
    async (request, reply) => {
      const detail = await copy.get(request.params.name);
      const { saved } = request.query;
      return sendHtml(
        reply,
        renderPage(
          MailTemplatePage({
            ...shell(request),
            detail,
            values: detail.template,
            draft: false,
            ...(await currentPreview(detail)),
            ...(saved === '1' && { done: 'Saved. Mail of this kind is sent with this copy now.' }),
            ...(saved === 'reset' && { done: 'Reset. Mail of this kind is sent with the default copy.' }),
          }),
        ),
      );
    },
  );

  r.post(
    '/admin/mail/:name',
    { config: { staff: ['marketer'] }, schema: { hide: true, params: Params, body: Form } },
    async (request, reply) => {
      const { name } = request.params;
      const detail = await copy.get(name);
      const { intent } = request.body;
      if (intent === 'reset') {
        const { before } = await copy.reset(name);
        noteChange(request, { action: 'mail-template.reset', target: name, before, after: null });
        return reply.redirect(`/admin/mail/${name}?saved=reset`, 303);
      }
      const values: MailTemplate = {
        subject: lines(request.body.subject),
        text: lines(request.body.text),
        html: lines(request.body.html),
      };
      if (intent === 'preview') {
        const shown = await preview(name, values);
        noteNoChange(request);
        return sendHtml(
          reply,
          renderPage(
            MailTemplatePage({
              ...shell(request),
              detail,
              values,
              draft: true,
              ...('error' in shown ? { previewError: shown.error } : { samples: shown.samples }),
            }),
          ),
          'error' in shown ? 422 : 200,
        );
      }
      try {
        const { before, after } = await copy.save(name, values);
        noteChange(request, { action: 'mail-template.update', target: name, before, after });
        return reply.redirect(`/admin/mail/${name}?saved=1`, 303);
      } catch (error) {
        const refusal = refusalOf(error);
        if (refusal === undefined) throw error;
        // The form keeps what was typed; the preview shows what is sent now.
        return sendHtml(
          reply,
          renderPage(
            MailTemplatePage({
              ...shell(request),
              detail,
              values,
              draft: false,
              error: refusal,
              ...(await currentPreview(detail)),
            }),
          ),
          422,
        );
      }
    },
  );

  r.post(
    '/admin/mail/:name/preview',
    {
      config: { staff: ['marketer'] },
      schema: { hide: true, params: Params, body: Form.omit({ intent: true }) },
    },
    async (request, reply) => {
      const shown = await preview(request.params.name, {
        subject: lines(request.body.subject),
        text: lines(request.body.text),
        html: lines(request.body.html),
      });
      noteNoChange(request);
      return sendHtml(
        reply,
        renderToString(
          'error' in shown ? (
            <MailPreview draft error={shown.error} />
          ) : (
            <MailPreview draft samples={shown.samples} />
          ),
        ),
        'error' in shown ? 422 : 200,
      );
    },
  );
}
