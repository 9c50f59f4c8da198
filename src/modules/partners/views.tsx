import { formatDate } from '../../kernel/dates.js';
import type { ReaderOffer } from './domain.js';

/** What the section says after its claim form redirected back (`/account?partners=…`). */
export const claimNotices = {
  claimed: 'Here is your code. It is yours alone: it stays on this page whenever you need it.',
  subscription_required: 'Partner offers come with a subscription that includes partner access.',
  none_left: 'Every code of that offer has been claimed. Please try again later.',
  not_found: 'That offer is no longer available.',
} as const;
export type ClaimNotice = keyof typeof claimNotices;
export const isClaimNotice = (value: string | undefined): value is ClaimNotice =>
  value !== undefined && Object.hasOwn(claimNotices, value);

function Offer({ offer, timeZone }: { offer: ReaderOffer; timeZone: string }) {
  return (
    <li class="partner-offer" id={`offer-${offer.id}`} data-status={offer.status}>
      <h3>{offer.name}</h3>
      <p class="partner-name">From {offer.partner}</p>
      {offer.claimed ? (
        <>
          <p class="partner-code">
            Your code: <code>{offer.claimed.code}</code>{' '}
            <span class="meta">(claimed on {formatDate(offer.claimed.claimedAt, timeZone)})</span>
          </p>
          <p class="partner-instructions">{offer.instructions}</p>
        </>
      ) : offer.status === 'available' ? (
        // A plain form posted to the site itself: the same-origin guard refuses it from elsewhere.
        <form method="post" action={`/account/partner-offers/${offer.id}/claim`}>
          <button type="submit" class="button">
            Get my code
          </button>
        </form>
      ) : offer.status === 'none_left' ? (
        <p class="partner-none-left">Every code has been claimed for now.</p>
      ) : (
        <p class="partner-subscribe">
          Included with subscriptions that offer partner access. <a href="/subscribe">See the plans</a>
        </p>
      )}
    </li>
  );
}

/** The partner offers part of `/account`: each offer, the reader's code, or a claim button. */
export function PartnerSection(props: {
  offers: readonly ReaderOffer[];
  timeZone: string;
  notice?: string | undefined;
}) {
  const { offers, timeZone, notice } = props;
  if (offers.length === 0 && notice === undefined) return null;
  return (
    <section class="partner-offers" id="partner-offers" aria-labelledby="partner-offers-title">
      <h2 id="partner-offers-title">Partner offers</h2>
      {notice && (
        <p class="notice" role="status">
          {notice}
        </p>
      )}
      {offers.length === 0 ? (
        <p>There are no partner offers at the moment.</p>
      ) : (
        <ul class="partner-offer-list">
          {offers.map((offer) => (
            <Offer offer={offer} timeZone={timeZone} />
          ))}
        </ul>
      )}
    </section>
  );
}
