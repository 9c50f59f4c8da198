import { createHash } from 'node:crypto';
import { widenedSitePolicy } from '../../web/security-headers.js';
import type { PaywallService } from '../paywall/index.js';
import type { SettingsStore } from '../settings/index.js';
import { adsSettingsKey, adsSettingsSchema, scriptsOf, type AdsSettings } from './settings.js';

/** The benefit that takes every ad off every page. */
export const AD_FREE = 'ad-free';

/**
 * An ad slot for one page: its HTML, and the Content-Security-Policy a page carrying it is
 * sent with. Frozen and made once per settings document, so that the article page's cache key
 * names it by a digest computed once (see `cacheKeyOf`).
 */
export interface AdSlot {
  readonly html: string;
  readonly policy: string;
}

export interface AdService {
  /**
   * The slot to show this reader, or null: for a reader with `ad-free` (the paywall's decision)
   * and while the publisher has set no slot. A page given null carries no slot, no ad markup
   * and no ad script at all.
   */
  slotFor(reader: { readonly entitlements: ReadonlySet<string> }): Promise<AdSlot | null>;
}

/** The policy of a page with the slot: its inline scripts by hash, its script origins listed. */
export function slotPolicy(settings: Pick<AdsSettings, 'slotHtml' | 'scriptSources'>): string {
  const hashes = scriptsOf(settings.slotHtml).inline.map(
    (text) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`,
  );
  return widenedSitePolicy({
    scriptSrc: [...settings.scriptSources, ...hashes],
    frameSrc: settings.scriptSources,
    connectSrc: settings.scriptSources,
  });
}

export function createAdService(deps: {
  settings: Pick<SettingsStore, 'read'>;
  paywall: Pick<PaywallService, 'benefit'>;
}): AdService {
  // By the settings document (the settings cache hands out one frozen object until it reloads).
  const slots = new WeakMap<AdsSettings, AdSlot>();
  return {
    async slotFor(reader) {
      if (deps.paywall.benefit(reader, AD_FREE).granted) return null;
      const settings = await deps.settings.read(adsSettingsKey, adsSettingsSchema);
      if (settings.slotHtml.trim() === '') return null;
      let slot = slots.get(settings);
      if (!slot) {
        slot = Object.freeze({ html: settings.slotHtml, policy: slotPolicy(settings) });
        slots.set(settings, slot);
      }
      return slot;
    },
  };
}
