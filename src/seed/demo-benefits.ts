import type { Services } from '../app.js';
import { adsSettingsKey, adsSettingsSchema } from '../modules/ads/index.js';
import { publicationSettingsKey, publicationSettingsSchema } from '../modules/publication/index.js';

/** The demo's partner offer: a year of a crossword and games site, with 25 activation codes. */
export const demoPartnerOffer = {
  name: 'A year of The Crossword Club',
  partner: 'The Crossword Club',
  instructions:
    'Go to crosswordclub.example/redeem, sign in or create a free account there, and enter your code. It unlocks a year of daily crosswords, puzzles and the archive.',
  lowCodeThreshold: 10,
  codes: Array.from({ length: 25 }, (_, i) => `LEDGER-XWORD-${String(i + 1).padStart(4, '0')}`),
} as const;

/** Where the demo's staff mail goes (the outbox, without SMTP_URL): the low-code warning. */
export const demoStaffEmail = 'newsroom@daily-ledger.example';

/**
 * Seeds the demo's partner offer and its codes, unless an offer of that name exists, and gives
 * the publication a staff address if it has none. Returns the offers added.
 */
export async function seedDemoPartnerOffer(
  services: Pick<Services, 'partners' | 'settings'>,
): Promise<number> {
  const { partners, settings } = services;
  const publication = await settings.read(publicationSettingsKey, publicationSettingsSchema);
  if (publication.staffEmail === null) {
    await settings.write(publicationSettingsKey, publicationSettingsSchema, {
      ...publication,
      staffEmail: demoStaffEmail,
    });
  }
  if ((await partners.list()).some((offer) => offer.name === demoPartnerOffer.name)) return 0;
  const { codes, ...offer } = demoPartnerOffer;
  const created = await partners.create(offer);
  await partners.uploadCodes(created.id, ['code', ...codes].join('\n'));
  return 1;
}

/**
 * The demo's ad slot: a house ad, plain HTML without scripts (the demo runs offline), so a
 * newcomer sees where ads go and that a subscriber with `ad-free` gets none.
 */
export const demoAdSlotHtml =
  '<a class="house-ad" href="/subscribe"><span class="house-ad-label">Advertisement</span> ' +
  '<strong>Read The Daily Ledger without ads.</strong> Subscribers never see this box.</a>';

/** Sets the demo's ad slot, unless the publisher has set one (or cleared it) already. */
export async function seedDemoAdSlot(services: Pick<Services, 'settings'>): Promise<boolean> {
  const stored = await services.settings.stored(adsSettingsKey);
  if (Object.hasOwn(stored, 'slotHtml')) return false;
  await services.settings.write(adsSettingsKey, adsSettingsSchema, { ...stored, slotHtml: demoAdSlotHtml });
  return true;
}
