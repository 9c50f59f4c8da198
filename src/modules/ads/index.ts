/** The publisher's ad slot and ad-free reading: who sees the slot, and the policy of a page with it. */
export { AD_FREE, createAdService, slotPolicy, type AdService, type AdSlot } from './service.js';
export { adsSettingsKey, adsSettingsSchema, maxSlotBytes, scriptsOf, type AdsSettings } from './settings.js';
export { AdSlotView, type AdPosition } from './views.js';
export { adsPageRoutes } from './routes-pages.js';
