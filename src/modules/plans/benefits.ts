/** What a subscription can include, by the keys that plans and entitlements use. */
export const benefitCatalogue = {
  'premium-stories': {
    title: 'Exclusive premium stories online',
    detail: 'Over 30 premium stories daily, handpicked by editors',
  },
  'partner-access': {
    title: 'Complimentary access to a partner publication',
    detail: 'News, games, cooking and audio from a partner, activated with a code',
  },
  epaper: { title: 'E-paper', detail: 'The digital replica of the daily newspaper: read, save and share' },
  newsletters: { title: 'Curated newsletters', detail: 'Markets, finance, politics and tech' },
  'market-analysis': {
    title: 'Market analysis and investment insights',
    detail: 'Our premium markets vertical',
  },
  archives: { title: 'Archives', detail: 'Articles dating back to 1997' },
  'ad-free': { title: 'Ad-free reading', detail: 'No advertisements on any page' },
  'all-devices': {
    title: 'Seamless access across all devices',
    detail: 'Mobile, tablet or PC, via web or app',
  },
} as const;

export type BenefitKey = keyof typeof benefitCatalogue;
export const benefitKeys = Object.keys(benefitCatalogue) as BenefitKey[];

export function isBenefitKey(key: string): key is BenefitKey {
  return Object.hasOwn(benefitCatalogue, key);
}

/** A benefit's title for readers ("Archives"); an unknown key is shown as it is. */
export function benefitTitle(key: string): string {
  return isBenefitKey(key) ? benefitCatalogue[key].title : key;
}
