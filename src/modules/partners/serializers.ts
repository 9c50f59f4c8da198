import { runsLow, type PartnerOffer, type ReaderOffer } from './domain.js';

/** An offer for the admin API: its counts and whether they run low, never a code. */
export function adminOfferJson(offer: PartnerOffer) {
  return {
    id: offer.id,
    name: offer.name,
    partner: offer.partner,
    instructions: offer.instructions,
    active: offer.active,
    lowCodeThreshold: offer.lowCodeThreshold,
    codes: offer.codes,
    low: runsLow(offer),
    lowWarnedAt: offer.lowWarnedAt,
    createdAt: offer.createdAt,
  };
}

/** An offer for the reader it is for: their own code, if they claimed one. */
export function readerOfferJson(offer: ReaderOffer) {
  return {
    id: offer.id,
    name: offer.name,
    partner: offer.partner,
    instructions: offer.instructions,
    status: offer.status,
    code: offer.claimed?.code ?? null,
    claimedAt: offer.claimed?.claimedAt ?? null,
  };
}
