import fastifyMultipart from '@fastify/multipart';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError, notFound } from '../../kernel/errors.js';
import { noteChange, principalOf } from '../../kernel/staff-access.js';
import { printable, singleLine } from '../../kernel/validation.js';
import type { AdminNavItem } from '../../web/admin/shell.js';
import { renderPage, sendHtml } from '../../web/render.js';
import { maxUploadBytes, type PartnerOffer } from './domain.js';
import { adminOfferJson } from './serializers.js';
import type { PartnerService } from './service.js';
import {
  emptyOfferForm,
  offerFormOf,
  PartnerOfferPage,
  PartnerOffersPage,
  type OfferFormValues,
  type UploadResult,
} from './views-admin.js';
import { doneNotices } from '../../web/admin/done.js';

const OfferParams = z.object({ id: z.string().regex(/^pof_[0-9a-z]{26}$/, 'expected a partner offer id') });

// The form as posted: loose, so that anything typed comes back on the page with the reason.
const typed = z.string().max(10_000).optional();
const OfferPosted = z.object({ name: typed, partner: typed, instructions: typed, lowCodeThreshold: typed });
// What an offer may be: the admin API's rules, with the field named as the form names it.
const OfferForm = z.object({
  name: singleLine(z.string().trim().min(1, 'give the offer a name').max(120, 'at most 120 characters')),
  partner: singleLine(z.string().trim().min(1, 'name the partner').max(120, 'at most 120 characters')),
  instructions: printable(
    z.string().trim().min(1, 'say how readers use the code').max(2000, 'at most 2,000 characters'),
  ),
  lowCodeThreshold: z
    .string()
    .trim()
    .regex(/^\d{1,7}$/, 'a whole number, such as 10')
    .transform(Number)
    .pipe(z.number().int().max(1_000_000, 'at most 1,000,000')),
});
const fieldNames: Record<string, string> = {
  name: 'Name',
  partner: 'Partner',
  instructions: 'Instructions',
  lowCodeThreshold: 'Warning threshold',
};
const ActiveForm = z.object({ active: z.enum(['true', 'false']) });
const CodesForm = z.object({
  codes: z.string().max(maxUploadBytes, 'the codes are over the limit of 1 MB: upload them in parts'),
});

const doneMessages = {
  created: 'Offer created. Upload its codes so that subscribers can claim them.',
  saved: 'Changes saved.',
  off: 'Offer switched off: it takes no new claims. Readers who claimed keep their code.',
  on: 'Offer switched on: subscribers with partner access can claim its codes.',
} as const;
const notices = doneNotices(doneMessages);
const DoneQuery = notices.query;

const valuesOf = (body: z.output<typeof OfferPosted>): OfferFormValues => ({
  name: body.name ?? '',
  partner: body.partner ?? '',
  instructions: body.instructions ?? '',
  lowCodeThreshold: body.lowCodeThreshold ?? '',
});

/** The form's values checked, or the reasons it is refused, each naming its field. */
function checked(values: OfferFormValues) {
  const parsed = OfferForm.safeParse(values);
  if (parsed.success) return { ok: true as const, input: parsed.data };
  const reasons = parsed.error.issues.map((issue) => {
    const key = String(issue.path[0] ?? '');
    return `${fieldNames[key] ?? 'The form'}: ${issue.message}`;
  });
  return { ok: false as const, error: `${reasons.join('; ')}.` };
}

/**
 * `/admin/partners`: every partner offer with its code counts and creating one;
 * `/admin/partners/:id`: editing it, switching it off or on, and uploading its activation codes
 * (typed one per line or as a CSV file) — through `PartnerService`, as
 * `/api/admin/v1/partner-offers` does. The codes never reach the audit log: only their counts.
 */
export async function partnerAdminPageRoutes(
  app: FastifyInstance,
  deps: { partners: PartnerService; nav: readonly AdminNavItem[] },
): Promise<void> {
  const { partners, nav } = deps;
  const r = app.withTypeProvider<ZodTypeProvider>();
  await app.register(fastifyMultipart, {
    limits: { fileSize: maxUploadBytes, files: 1, fields: 4, fieldSize: maxUploadBytes, parts: 6 },
  });
  const marketers = { staff: ['marketer'] } as const;

  async function listPage(
    request: FastifyRequest,
    extra: { error?: string; done?: string; form?: OfferFormValues } = {},
  ) {
    return renderPage(
      PartnerOffersPage({
        principal: principalOf(request),
        nav,
        offers: await partners.list(),
        form: extra.form ?? emptyOfferForm,
        error: extra.error,
        done: extra.done,
      }),
    );
  }

  function offerPage(
    request: FastifyRequest,
    offer: PartnerOffer,
    extra: {
      error?: string;
      done?: string;
      form?: OfferFormValues;
      codes?: string;
      upload?: UploadResult;
    } = {},
  ) {
    return renderPage(
      PartnerOfferPage({
        principal: principalOf(request),
        nav,
        offer,
        form: extra.form ?? offerFormOf(offer),
        codesTyped: extra.codes ?? '',
        upload: extra.upload,
        error: extra.error,
        done: extra.done,
      }),
    );
  }

  async function existing(id: string): Promise<PartnerOffer> {
    const offer = await partners.get(id);
    if (!offer) throw notFound('The partner offer');
    return offer;
  }

  r.get(
    '/admin/partners',
    { config: marketers, schema: { hide: true, querystring: DoneQuery } },
    async (request, reply) => {
      const done = request.query.done;
      return sendHtml(reply, await listPage(request, notices.notice(done)));
    },
  );

  r.post(
    '/admin/partners',
    { config: marketers, schema: { hide: true, body: OfferPosted } },
    async (request, reply) => {
      const form = valuesOf(request.body);
      const valid = checked(form);
      if (!valid.ok) return sendHtml(reply, await listPage(request, { form, error: valid.error }), 422);
      const offer = await partners.create(valid.input);
      noteChange(request, {
        action: 'partner-offer.create',
        target: offer.id,
        before: null,
        after: adminOfferJson(offer),
      });
      return reply.redirect(`/admin/partners/${offer.id}?done=created`, 303);
    },
  );

  r.get(
    '/admin/partners/:id',
    { config: marketers, schema: { hide: true, params: OfferParams, querystring: DoneQuery } },
    async (request, reply) => {
      const offer = await existing(request.params.id);
      const done = request.query.done;
      return sendHtml(reply, offerPage(request, offer, notices.notice(done)));
    },
  );

  r.post(
    '/admin/partners/:id',
    { config: marketers, schema: { hide: true, params: OfferParams, body: OfferPosted } },
    async (request, reply) => {
      const before = await existing(request.params.id);
      const form = valuesOf(request.body);
      const valid = checked(form);
      if (!valid.ok) return sendHtml(reply, offerPage(request, before, { form, error: valid.error }), 422);
      const after = await partners.update(before.id, valid.input);
      noteChange(request, {
        action: 'partner-offer.update',
        target: before.id,
        before: adminOfferJson(before),
        after: adminOfferJson(after),
      });
      return reply.redirect(`/admin/partners/${before.id}?done=saved`, 303);
    },
  );

  r.post(
    '/admin/partners/:id/active',
    { config: marketers, schema: { hide: true, params: OfferParams, body: ActiveForm } },
    async (request, reply) => {
      const before = await existing(request.params.id);
      const active = request.body.active === 'true';
      const after = await partners.update(before.id, { active });
      noteChange(request, {
        action: active ? 'partner-offer.update' : 'partner-offer.switch-off',
        target: before.id,
        before: adminOfferJson(before),
        after: adminOfferJson(after),
      });
      return reply.redirect(`/admin/partners/${before.id}?done=${active ? 'on' : 'off'}`, 303);
    },
  );

  /** The codes posted: the box, or the file (multipart); `tooLarge` when the file is over the limit. */
  async function postedCodes(
    request: FastifyRequest,
  ): Promise<{ typed: string; file: string | undefined; tooLarge: boolean }> {
    if (!request.isMultipart()) {
      const body = (request.body ?? {}) as Record<string, unknown>;
      return { typed: typeof body.codes === 'string' ? body.codes : '', file: undefined, tooLarge: false };
    }
    let typedCodes = '';
    let file: string | undefined;
    for await (const part of request.parts()) {
      if (part.type === 'field') {
        if (part.fieldname !== 'codes' || typeof part.value !== 'string') continue;
        if (part.valueTruncated) return { typed: '', file: undefined, tooLarge: true };
        typedCodes = part.value;
        continue;
      }
      if (part.fieldname !== 'file' || file !== undefined) {
        part.file.resume();
        continue;
      }
      try {
        const bytes = await part.toBuffer();
        // A file input left empty still sends a part, with no bytes.
        if (bytes.length > 0) file = bytes.toString('utf8');
      } catch (error) {
        if (error instanceof app.multipartErrors.RequestFileTooLargeError)
          return { typed: typedCodes, file: undefined, tooLarge: true };
        throw error;
      }
    }
    return { typed: typedCodes, file, tooLarge: false };
  }

  r.post(
    '/admin/partners/:id/codes',
    { config: marketers, schema: { hide: true, params: OfferParams } },
    async (request, reply) => {
      const offer = await existing(request.params.id);
      let posted;
      try {
        posted = await postedCodes(request);
      } catch (error) {
        if (
          error instanceof app.multipartErrors.FieldsLimitError ||
          error instanceof app.multipartErrors.PartsLimitError
        )
          return sendHtml(
            reply,
            offerPage(request, offer, { error: 'Send the codes in the box or one file.' }),
            422,
          );
        throw error;
      }
      const refuse = (error: string, status = 422) =>
        sendHtml(
          reply,
          offerPage(request, offer, { error, codes: posted.typed.slice(0, maxUploadBytes) }),
          status,
        );
      if (posted.tooLarge) return refuse('The codes are over the limit of 1 MB: upload them in parts.', 413);
      const box = CodesForm.safeParse({ codes: posted.typed });
      if (!box.success) return refuse(`Codes: ${box.error.issues[0]!.message}.`);
      const typedCodes = box.data.codes.trim();
      if (typedCodes !== '' && posted.file !== undefined)
        return refuse('Give the codes in the box or as a file, not both: line numbers would not add up.');
      const text = posted.file ?? typedCodes;
      if (text.trim() === '') return refuse('Codes: type the codes, one per line, or choose a CSV file.');
      try {
        const upload = await partners.uploadCodes(offer.id, text);
        // Counts only: the codes themselves are never written to the audit log.
        noteChange(request, {
          action: 'partner-offer.upload',
          target: offer.id,
          before: null,
          after: { added: upload.added, duplicates: upload.duplicates, rejected: upload.rejected.length },
        });
        return sendHtml(
          reply,
          offerPage(request, upload.offer, {
            upload: { added: upload.added, duplicates: upload.duplicates, rejected: upload.rejected },
          }),
        );
      } catch (error) {
        if (error instanceof AppError && error.code === 'validation_failed') return refuse(error.message);
        throw error;
      }
    },
  );
}
