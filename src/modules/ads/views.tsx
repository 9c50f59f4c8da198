import type { AdSlot } from './service.js';

/** Where on a page the slot is: one per page, so an ad tag's element ids stay unique. */
export type AdPosition = 'front' | 'listing' | 'article';

/**
 * The publisher's ad slot, as they wrote it, or nothing at all: for an ad-free reader the page
 * has no element, class or script of it.
 */
export function AdSlotView({ slot, position }: { slot: AdSlot | null | undefined; position: AdPosition }) {
  if (!slot) return null;
  return (
    <aside class="ad-slot" data-position={position} aria-label="Advertisement">
      <div dangerouslySetInnerHTML={{ __html: slot.html }} />
    </aside>
  );
}
