import type { Clock } from './kernel/clock.js';
import { ttlCache, type TtlCache } from './kernel/ttl-cache.js';
import type { ArticleSummary, PublishedBody, Section } from './modules/content/index.js';
import type { Plan } from './modules/plans/index.js';

/**
 * Every in-process cache of one app, named and made here, in the composition root, and handed
 * to the services that use them; no service makes its own. Each holds data that every page
 * view reads and that changes rarely; a write through a service clears its cache on this
 * instance at once, other instances see it within the TTL.
 *
 * Not here, on purpose: module-level memo maps of pure, immutable values (parsed Liquid and
 * mail templates by source, `Intl` formatters by locale and currency, the common-password
 * list). They depend on nothing but their key, so one per process is right and they never go
 * stale.
 */
export interface Caches {
  /** Settings documents by key (`settings` store). */
  readonly settings: TtlCache<string, unknown>;
  /** The plans on sale, shown on every paywall (`plans` service). */
  readonly activePlans: TtlCache<'active', Plan[]>;
  /** The sections, in every page's navigation (`content` service). */
  readonly sections: TtlCache<'all', Section[]>;
  /** Published articles by id or slug (`content` service). */
  readonly articles: TtlCache<string, ArticleSummary | undefined>;
  /** Article bodies by article id (`content` service). */
  readonly articleBodies: TtlCache<string, PublishedBody>;
  /** A reader's entitlements by account id (`billing`). */
  readonly entitlements: TtlCache<string, ReadonlySet<string>>;
  /** Rendered article pages, by a key derived from everything the page shows (`reading`). */
  readonly articlePages: TtlCache<string, Buffer>;
}

/**
 * How long each cache keeps an entry, and how many it keeps. The plain data that pages are
 * rendered from is deep-frozen as it is loaded (`frozen`): one caller cannot change it under
 * another, and the article page's key names each such value by a digest computed once, not
 * by writing it all out again on every view (`cacheKeyOf`).
 */
export const cachePolicy = {
  settings: { ttlMs: 2000, capacity: 1000, frozen: true },
  activePlans: { ttlMs: 2000, capacity: 1, frozen: true },
  sections: { ttlMs: 2000, capacity: 1, frozen: true },
  articles: { ttlMs: 2000, capacity: 5000, frozen: true },
  articleBodies: { ttlMs: 2000, capacity: 2000, frozen: true },
  entitlements: { ttlMs: 2000, capacity: 1000, frozen: false },
  // With the 256 KB limit on a kept page, at most 128 MB.
  articlePages: { ttlMs: 2000, capacity: 500, frozen: false },
} as const satisfies Record<keyof Caches, { ttlMs: number; capacity: number; frozen: boolean }>;

/** The app's caches, each with its policy; entries expire by `clock`. */
export function createCaches(deps: { clock: Clock }): Caches {
  const { clock } = deps;
  const make = <K, V>(name: keyof Caches): TtlCache<K, V> => ttlCache<K, V>({ clock, ...cachePolicy[name] });
  return {
    settings: make('settings'),
    activePlans: make('activePlans'),
    sections: make('sections'),
    articles: make('articles'),
    articleBodies: make('articleBodies'),
    entitlements: make('entitlements'),
    articlePages: make('articlePages'),
  };
}
