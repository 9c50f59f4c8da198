import { errorCodes, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError, notFound } from '../../kernel/errors.js';
import { noteChange } from '../../kernel/staff-access.js';
import { printable, singleLine } from '../../kernel/validation.js';
import { requireReader } from '../accounts/index.js';
import { maxUploadBytes, type ClaimOutcome, type ClaimRefusal } from './domain.js';
import { adminOfferJson, readerOfferJson } from './serializers.js';
import type { PartnerService } from './service.js';

const OfferParams = z.object({ id: z.string().regex(/^pof_[0-9a-z]{26}$/, 'expected a partner offer id') });

const name = singleLine(
  z.string().trim().min(1, 'expected a name').max(120, 'expected at most 120 characters'),
);
const fields = {
  name,
  partner: singleLine(
    z.string().trim().min(1, 'expected a partner').max(120, 'expected at most 120 characters'),
  ),
  instructions: printable(
    z.string().trim().min(1, 'expected instructions').max(2000, 'expected at most 2,000 characters'),
  ),
  lowCodeThreshold: z.number().int('expected a whole number').min(0).max(1_000_000),
};
const CreateOfferBody = z
  .object({ ...fields, lowCodeThreshold: fields.lowCodeThreshold.optional() })
  .strict();
const UpdateOfferBody = z
  .object({
    name: fields.name.optional(),
    partner: fields.partner.optional(),
    instructions: fields.instructions.optional(),
    lowCodeThreshold: fields.lowCodeThreshold.optional(),
    active: z.boolean().optional(),
  })
  .strict();

/** The refusal of a claim as the API answers it. */
export function claimError(reason: ClaimRefusal): AppError {
  switch (reason) {
    case 'not_found':
      return notFound('The partner offer');
    case 'subscription_required':
      return new AppError(
        'subscription_required',
        'Your subscription does not include partner access. See /subscribe for the plans that do.',
        { benefit: 'partner-access' },
      );
    case 'none_left':
      return new AppError(
        'codes_exhausted',
        'Every code of this offer has been claimed. Please try again later.',
      );
  }
}

const claimed = (outcome: ClaimOutcome) => {
  if (!outcome.ok) throw claimError(outcome.reason);
  return { code: outcome.code, claimedAt: outcome.claimedAt };
};

/**
 * Partner offers in the admin API (`/api/admin/v1/partner-offers`: create, change, list, upload
 * codes as CSV) and the reader API (`/api/v1/partner-offers`: the reader's offers, claim).
 */
export async function partnerRoutes(app: FastifyInstance, deps: { partners: PartnerService }): Promise<void> {
  const { partners } = deps;
  const r = app.withTypeProvider<ZodTypeProvider>();
  const admin = { tags: ['admin'], security: [{ bearer: [] }] };

  // Code files are CSV; one upload is at most 1 MB (a larger body is a 413, nothing stored).
  app.addContentTypeParser(
    'text/csv',
    { parseAs: 'string', bodyLimit: maxUploadBytes },
    (_request, body, done) => done(null, body),
  );

  const adminOnly = { config: { staff: ['marketer'] } } as const;

  r.get(
    '/api/admin/v1/partner-offers',
    { ...adminOnly, schema: { ...admin, summary: 'Every partner offer with its code counts, newest first' } },
    async () => ({ offers: (await partners.list()).map(adminOfferJson) }),
  );

  r.get(
    '/api/admin/v1/partner-offers/:id',
    {
      ...adminOnly,
      schema: { ...admin, summary: 'One partner offer and its code counts', params: OfferParams },
    },
    async (request) => {
      const offer = await partners.get(request.params.id);
      if (!offer) throw notFound('The partner offer');
      return { offer: adminOfferJson(offer) };
    },
  );

  r.post(
    '/api/admin/v1/partner-offers',
    {
      ...adminOnly,
      schema: {
        ...admin,
        summary: 'Create a partner offer (its codes are uploaded next)',
        body: CreateOfferBody,
      },
    },
    async (request, reply) => {
      const offer = await partners.create(request.body);
      return reply
        .status(201)
        .header('location', `/api/admin/v1/partner-offers/${offer.id}`)
        .send({ offer: adminOfferJson(offer) });
    },
  );

  r.patch(
    '/api/admin/v1/partner-offers/:id',
    {
      ...adminOnly,
      schema: {
        ...admin,
        summary: 'Change a partner offer, its warning threshold, or switch it off',
        params: OfferParams,
        body: UpdateOfferBody,
      },
    },
    async (request) => ({ offer: adminOfferJson(await partners.update(request.params.id, request.body)) }),
  );

  r.post(
    '/api/admin/v1/partner-offers/:id/codes',
    {
      ...adminOnly,
      schema: {
        ...admin,
        summary:
          'Upload activation codes (text/csv, one per line): valid rows are added, duplicates ignored, bad rows reported by line',
        params: OfferParams,
        body: z.string(),
      },
    },
    async (request) => {
      // Only CSV: a text/plain body (which Fastify would also read as a string) is a 415.
      const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      if (type !== 'text/csv') throw new errorCodes.FST_ERR_CTP_INVALID_MEDIA_TYPE(type);
      const upload = await partners.uploadCodes(request.params.id, request.body);
      // Counts only: the file (the codes themselves) never goes into the audit log.
      noteChange(request, {
        action: 'partner-offer.upload',
        target: request.params.id,
        before: null,
        after: { added: upload.added, duplicates: upload.duplicates, rejected: upload.rejected.length },
      });
      return {
        added: upload.added,
        duplicates: upload.duplicates,
        rejected: upload.rejected,
        offer: adminOfferJson(upload.offer),
      };
    },
  );

  const reader = { tags: ['reader'] };
  const signedIn = async (request: FastifyRequest, reply: FastifyReply) =>
    (await requireReader(request, reply)).account.id;

  r.get(
    '/api/v1/partner-offers',
    { schema: { ...reader, summary: "The reader's partner offers, with the code they claimed of each" } },
    async (request, reply) => ({
      offers: (await partners.offersFor(await signedIn(request, reply))).map(readerOfferJson),
    }),
  );

  r.post(
    '/api/v1/partner-offers/:id/claim',
    {
      schema: {
        ...reader,
        summary: 'Claim a code of a partner offer: the same code on every later call',
        params: OfferParams,
      },
    },
    async (request, reply) =>
      claimed(await partners.claim(await signedIn(request, reply), request.params.id)),
  );
}
