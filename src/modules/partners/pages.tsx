import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { loginHref } from '../../web/views/layout.js';
import type { PartnerService } from './service.js';
import { claimNotices, isClaimNotice, PartnerSection } from './views.js';

/** The query key of `/account` whose value the partner section turns into its message. */
export const partnerNoticeKey = 'partners';

/**
 * The partner offers section of `/account`, for `accountPageRoutes`' `sections`: the reader's
 * offers, their codes, and a claim button where they may claim. Nothing when there are no offers.
 */
export function accountPartnerSection(deps: { partners: Pick<PartnerService, 'offersFor'> }) {
  return async (input: { accountId: string; timeZone: string; notice: string | undefined }) => (
    <PartnerSection
      offers={await deps.partners.offersFor(input.accountId)}
      timeZone={input.timeZone}
      notice={isClaimNotice(input.notice) ? claimNotices[input.notice] : undefined}
    />
  );
}

const OfferParams = z.object({ id: z.string().regex(/^pof_[0-9a-z]{26}$/, 'expected a partner offer id') });

/**
 * `POST /account/partner-offers/:id/claim`: the claim button's form. It answers with a redirect
 * to the account page, which shows the code (post, redirect, get), or why there is none.
 */
export async function partnerPageRoutes(
  app: FastifyInstance,
  deps: { partners: Pick<PartnerService, 'claim'> },
): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.post('/account/partner-offers/:id/claim', { schema: { params: OfferParams } }, async (request, reply) => {
    const auth = await request.readerSession();
    if (auth?.lookup.status !== 'live') return reply.redirect(loginHref('/account#partner-offers'), 303);
    const outcome = await deps.partners.claim(auth.lookup.account.id, request.params.id);
    const notice = outcome.ok ? 'claimed' : outcome.reason;
    return reply.redirect(`/account?${partnerNoticeKey}=${notice}#offer-${request.params.id}`, 303);
  });
}
