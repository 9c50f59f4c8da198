import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { renderToString } from 'preact-render-to-string';
import { z } from 'zod';
import { AppError } from '../../kernel/errors.js';
import { noteChange, noteNoChange, principalOf } from '../../kernel/staff-access.js';
import type { AdminNavItem } from '../../web/admin/shell.js';
import { renderPage, sendHtml } from '../../web/render.js';
import type { SettingsChanges, SettingsStore } from '../settings/index.js';
import type { PaywallDraft, PreviewedState } from './preview.js';
import type { PaywallService } from './service.js';
import { archiveSettingsSchema, meterSettingsSchema, paywallSettingsSchema } from './settings.js';
import { PaywallPage, PreviewPanel, type CopyFormValues } from './views.js';

// Generous bounds for what a browser posts; the settings' own schemas give the real limits,
// with messages a marketer can act on, and the form keeps what was typed.
const text = z.string().max(20_000);
/** A checkbox group: absent when none is ticked, a string for one, an array for more. */
const slugs = z
  .union([z.string().max(60), z.array(z.string().max(60)).max(200)])
  .optional()
  .transform((value) => (value === undefined ? [] : typeof value === 'string' ? [value] : value));
const CopyForm = z.object({
  freeLimit: z.string().max(20),
  teaserParagraphs: z.string().max(20).default('1'),
  /** Absent from an older form: the archive's window is then left as it is. */
  archiveFreeDays: z.string().max(20).optional(),
  /** The sections the form listed (hidden fields), and those ticked as counting. */
  listedSections: slugs,
  countedSections: slugs,
  bannerTemplate: text,
  template: text,
  premiumTemplate: text,
  benefitTemplate: text,
});
const SaveForm = CopyForm.extend({ intent: z.enum(['preview', 'save']) });
type CopyForm = z.infer<typeof CopyForm>;

/** Browsers post a textarea's line breaks as CRLF; copy is kept with plain newlines. */
const lines = (value: string) => value.replace(/\r\n?/g, '\n');

/** The form as typed, for showing it again. */
const valuesOf = (form: CopyForm): CopyFormValues => ({
  freeLimit: form.freeLimit,
  teaserParagraphs: form.teaserParagraphs,
  archiveFreeDays: form.archiveFreeDays,
  // A listed section left unticked does not count; one made since the form was shown counts.
  uncountedSections: form.listedSections.filter((slug) => !form.countedSections.includes(slug)),
  bannerTemplate: lines(form.bannerTemplate),
  template: lines(form.template),
  premiumTemplate: lines(form.premiumTemplate),
  benefitTemplate: lines(form.benefitTemplate),
});

/** The form as a draft of the copy; a free limit that is not a whole number is a problem to show. */
function draftOf(values: CopyFormValues): PaywallDraft {
  const limit = values.freeLimit.trim();
  if (!/^\d{1,6}$/.test(limit))
    throw new AppError(
      'validation_failed',
      'meter.freeLimit: expected a whole number of articles, such as 5',
    );
  const paragraphs = values.teaserParagraphs.trim();
  if (!/^\d{1,6}$/.test(paragraphs))
    throw new AppError(
      'validation_failed',
      'paywall.teaserParagraphs: expected a whole number of paragraphs, from 1 to 5',
    );
  return {
    freeLimit: Number(limit),
    teaserParagraphs: Number(paragraphs),
    bannerTemplate: values.bannerTemplate,
    template: values.template,
    premiumTemplate: values.premiumTemplate,
    benefitTemplate: values.benefitTemplate,
  };
}

/** The archive's free window as typed: a whole number of days, or undefined when not sent. */
function archiveDaysOf(values: CopyFormValues): number | undefined {
  if (values.archiveFreeDays === undefined) return undefined;
  const days = values.archiveFreeDays.trim();
  if (!/^\d{1,6}$/.test(days))
    throw new AppError('validation_failed', 'archives.freeDays: expected a whole number of days, such as 30');
  return Number(days);
}

/** A refusal the marketer can fix in the form, as opposed to a fault. */
const refusalOf = (error: unknown): string | undefined =>
  error instanceof AppError && (error.code === 'invalid_template' || error.code === 'validation_failed')
    ? error.message
    : undefined;

/**
 * `/admin/paywall`: the meter's free limit and counted sections, the meter banner, the paywall
 * copy and the teaser's length, each saved
 * through `SettingsChanges` as `PATCH /api/admin/v1/settings` saves them, and previewed through
 * `PaywallService.preview` as `POST /api/admin/v1/previews/paywall` previews them. The Preview
 * button re-renders the page with the unsaved copy (no script needed); `/assets/admin-live-preview.js`
 * refreshes the preview as one types, from `POST /admin/paywall/preview`.
 */
export async function paywallPageRoutes(
  app: FastifyInstance,
  deps: {
    paywall: Pick<PaywallService, 'preview'>;
    settings: Pick<SettingsStore, 'read'>;
    changes: Pick<SettingsChanges, 'change'>;
    /** The sections (the content module's), for the counted sections' checkboxes. */
    sections: () => Promise<readonly { readonly slug: string; readonly name: string }[]>;
    nav: readonly AdminNavItem[];
  },
): Promise<void> {
  const { paywall, settings, changes, nav } = deps;
  const r = app.withTypeProvider<ZodTypeProvider>();

  async function storedValues(): Promise<CopyFormValues> {
    const [meter, copy, archives] = await Promise.all([
      settings.read('meter', meterSettingsSchema),
      settings.read('paywall', paywallSettingsSchema),
      settings.read('archives', archiveSettingsSchema),
    ]);
    return {
      freeLimit: String(meter.freeLimit),
      uncountedSections: meter.uncountedSections,
      teaserParagraphs: String(copy.teaserParagraphs),
      archiveFreeDays: String(archives.freeDays),
      bannerTemplate: meter.bannerTemplate,
      template: copy.template,
      premiumTemplate: copy.premiumTemplate,
      benefitTemplate: copy.benefitTemplate,
    };
  }

  /** The draft's preview, or the reason it cannot be shown. */
  async function preview(
    values: CopyFormValues,
  ): Promise<{ states: PreviewedState[] } | { states?: undefined; error: string }> {
    try {
      return { states: await paywall.preview(draftOf(values)) };
    } catch (error) {
      const refusal = refusalOf(error);
      if (refusal === undefined) throw error;
      return { error: refusal };
    }
  }

  const page = async (
    request: FastifyRequest,
    props: Omit<Parameters<typeof PaywallPage>[0], 'principal' | 'nav' | 'sections'>,
  ) =>
    renderPage(
      PaywallPage({ principal: principalOf(request), nav, sections: await deps.sections(), ...props }),
    );

  r.get(
    '/admin/paywall',
    {
      config: { staff: ['marketer'] },
      schema: { hide: true, querystring: z.object({ saved: z.literal('1').optional() }) },
    },
    async (request, reply) => {
      const values = await storedValues();
      const states = await paywall.preview({});
      return sendHtml(
        reply,
        await page(request, {
          values,
          states,
          draft: false,
          ...(request.query.saved && { done: 'Saved. Readers see the new meter and copy now.' }),
        }),
      );
    },
  );

  r.post(
    '/admin/paywall',
    { config: { staff: ['marketer'] }, schema: { hide: true, body: SaveForm } },
    async (request, reply) => {
      const values = valuesOf(request.body);
      if (request.body.intent === 'preview') {
        const shown = await preview(values);
        noteNoChange(request);
        return sendHtml(
          reply,
          await page(request, {
            values,
            draft: true,
            ...('error' in shown ? { previewError: shown.error } : { states: shown.states }),
          }),
          'error' in shown ? 422 : 200,
        );
      }
      try {
        const draft = draftOf(values);
        const archiveFreeDays = archiveDaysOf(values);
        const { before, after } = await changes.change(
          {
            meter: {
              freeLimit: draft.freeLimit,
              bannerTemplate: draft.bannerTemplate,
              uncountedSections: values.uncountedSections,
            },
            paywall: {
              teaserParagraphs: draft.teaserParagraphs,
              template: draft.template,
              premiumTemplate: draft.premiumTemplate,
              benefitTemplate: draft.benefitTemplate,
            },
            ...(archiveFreeDays !== undefined && { archives: { freeDays: archiveFreeDays } }),
          },
          principalOf(request).role,
        );
        noteChange(request, {
          action: 'settings.update',
          target: 'meter,paywall,archives',
          before: { meter: before.meter, paywall: before.paywall, archives: before.archives },
          after: { meter: after.meter, paywall: after.paywall, archives: after.archives },
        });
        return reply.redirect('/admin/paywall?saved=1', 303);
      } catch (error) {
        const refusal = refusalOf(error);
        if (refusal === undefined) throw error;
        // The form keeps what was typed; the preview shows what readers see now.
        return sendHtml(
          reply,
          await page(request, { values, states: await paywall.preview({}), draft: false, error: refusal }),
          422,
        );
      }
    },
  );

  r.post(
    '/admin/paywall/preview',
    { config: { staff: ['marketer'] }, schema: { hide: true, body: CopyForm } },
    async (request, reply) => {
      const shown = await preview(valuesOf(request.body));
      noteNoChange(request);
      return sendHtml(
        reply,
        renderToString(
          'error' in shown ? (
            <PreviewPanel draft error={shown.error} />
          ) : (
            <PreviewPanel draft states={shown.states} />
          ),
        ),
        'error' in shown ? 422 : 200,
      );
    },
  );
}
