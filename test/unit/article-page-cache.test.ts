import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/kernel/clock.js';
import { ttlCache } from '../../src/kernel/ttl-cache.js';
import { cacheKeyOf, deepFreeze } from '../../src/kernel/cache-key.js';
import { articlePage, type ArticlePageProps } from '../../src/modules/reading/article-page.js';

const article = {
  id: 'art_01',
  slug: 'markets-open-higher',
  headline: 'Markets open higher',
  standfirst: 'Banks led the gains',
  byline: 'Priya Raman',
  section: { slug: 'business', name: 'Business', requiredBenefit: null },
  access: 'metered',
  requiredBenefit: null,
  syndicated: { agency: 'PTI' },
  teaserHtml: '<p>Markets opened higher on Tuesday.</p>',
  publishedAt: '2026-11-10T04:30:00.000Z',
  updatedAt: '2026-11-10T05:00:00.000Z',
} as const;

const ctx = (reader: Partial<ArticlePageProps['ctx']['chrome']> = {}): ArticlePageProps['ctx'] => ({
  chrome: {
    publicationName: 'The Daily Ledger',
    sections: [
      { slug: 'business', name: 'Business' },
      { slug: 'nation', name: 'Nation' },
    ],
    signedIn: true,
    subscribed: false,
    path: '/article/markets-open-higher',
    notice: 'Welcome aboard',
    ...reader,
  },
  timeZone: 'Asia/Kolkata',
  publicUrl: 'https://news.example',
});

// Two pages between them show every part of the page: one granted on the meter (banner and
// body), one refused (paywall copy and plans).
const granted: ArticlePageProps = {
  opened: {
    article,
    access: {
      granted: true,
      reason: 'metered',
      meter: { limit: 5, used: 2, remaining: 3, resetsAt: '2026-12-01T00:00:00.000Z' },
      paywallHtml: null,
      teaserHtml: article.teaserHtml,
      bannerHtml: '<strong>3 free stories left</strong> this month',
      requires: [],
      offers: [],
    },
    body: { html: '<p>Markets opened higher on Tuesday.</p><p>Banks led the gains.</p>' },
  },
  plans: [],
  ctx: ctx(),
};
const refused: ArticlePageProps = {
  opened: {
    article: { ...article, access: 'premium', syndicated: null },
    access: {
      granted: false,
      reason: 'premium',
      meter: { limit: 5, used: 5, remaining: 0, resetsAt: '2026-12-01T00:00:00.000Z' },
      paywallHtml: '<p>Subscribe to read on.</p>',
      teaserHtml: article.teaserHtml,
      bannerHtml: null,
      requires: ['premium-stories'],
      offers: [],
    },
    body: null,
  },
  plans: [
    {
      id: 'pln_01',
      slug: 'quarterly',
      name: 'Smart Essential',
      term: { unit: 'month', count: 3 },
      trialDays: 7,
      benefits: ['premium-stories', 'partner-access'],
      prices: [{ id: 'prc_01', amountMinor: 90_000, currency: 'INR' }],
      active: true,
      position: 1,
    },
  ],
  ctx: ctx({ signedIn: false, notice: undefined }),
};

/** Each leaf of `value` (a string, number or boolean) changed in turn, with its path. */
function* variants(value: unknown, path = '$'): Generator<[string, unknown]> {
  if (typeof value === 'string') yield [path, `${value}~`];
  else if (typeof value === 'number') yield [path, value + 1];
  else if (typeof value === 'boolean') yield [path, !value];
  else if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      for (const [at, changed] of variants(item, `${path}[${i}]`)) {
        yield [at, value.map((other, j) => (j === i ? changed : other))];
      }
    }
  } else if (value !== null && typeof value === 'object') {
    for (const [name, item] of Object.entries(value)) {
      for (const [at, changed] of variants(item, `${path}.${name}`))
        yield [at, { ...value, [name]: changed }];
    }
  }
}

/**
 * `props` as a page view builds them: the article, its body, the plans and the sections as the
 * caches hand them out (deep-frozen copies), the reader's state and the decision made afresh.
 */
function asCached(props: ArticlePageProps): ArticlePageProps {
  const copy = <T>(value: T): T => deepFreeze(structuredClone(value));
  const { opened, ctx } = props;
  return {
    opened: { ...opened, article: copy(opened.article), body: copy(opened.body) },
    plans: copy(props.plans),
    ctx: { ...ctx, chrome: { ...ctx.chrome, sections: copy(ctx.chrome.sections) } },
  };
}

const html = (props: ArticlePageProps) => articlePage(props).render().toString('utf8');

describe('the article page cache', () => {
  it.each([
    ['granted on the meter', granted, (props: ArticlePageProps) => props],
    ['refused', refused, (props: ArticlePageProps) => props],
    // The same walk with the article, body, plans and sections as the caches hold them
    // (frozen, so keyed by remembered digests), the changed one among them.
    ['granted, from cached inputs', granted, asCached],
    ['refused, from cached inputs', refused, asCached],
  ])('gives a different key to every change that shows on the page (%s)', (_name, props, prepare) => {
    const page = html(props);
    const key = articlePage(prepare(props)).key;
    const shown: string[] = [];
    const unkeyed: string[] = [];
    for (const [path, changed] of variants(props)) {
      const other = changed as ArticlePageProps;
      let otherPage: string;
      try {
        otherPage = html(other);
      } catch {
        continue; // not a page that can be rendered (an enum value that does not exist)
      }
      if (otherPage === page) continue;
      shown.push(path);
      if (articlePage(prepare(other)).key === key) unkeyed.push(path);
    }
    // A reader's own state is among what shows, so the walk did reach it.
    expect(shown).toEqual(expect.arrayContaining(['$.ctx.chrome.signedIn', '$.ctx.chrome.publicationName']));
    expect(unkeyed).toEqual([]);
  });

  it('keys the same page alike, whatever order its data was built in', () => {
    const reordered: ArticlePageProps = { ctx: granted.ctx, plans: granted.plans, opened: granted.opened };
    expect(articlePage(reordered).key).toBe(articlePage(granted).key);
  });

  it('keys cached inputs by what they hold: an equal article loaded again gives the same key', () => {
    const page = asCached(granted);
    expect(articlePage(page).key).toBe(articlePage(page).key);
    expect(articlePage(asCached(granted)).key).toBe(articlePage(page).key);
    expect(articlePage(asCached(refused)).key).not.toBe(articlePage(page).key);
  });

  it('remembers the digest only of data that cannot change', () => {
    // Frozen, but holding an array that is not: what the array holds is read every time.
    const sections = [{ slug: 'business', name: 'Business' }];
    const chrome = Object.freeze({ sections });
    const before = cacheKeyOf({ chrome });
    sections.push({ slug: 'nation', name: 'Nation' });
    expect(cacheKeyOf({ chrome })).not.toBe(before);
    // A frozen object with a getter, or a frozen Date, can answer differently next time.
    let name = 'Business';
    const section = Object.freeze({
      get name() {
        return name;
      },
    });
    const named = cacheKeyOf(section);
    name = 'Nation';
    expect(cacheKeyOf(section)).not.toBe(named);
    const at = Object.freeze(new Date('2026-11-10T04:30:00Z'));
    const dated = cacheKeyOf(Object.freeze({ at }));
    at.setTime(0);
    expect(cacheKeyOf(Object.freeze({ at }))).not.toBe(dated);
  });

  it('refuses to key data whose contents it cannot see (a Set of entitlements, a Map)', () => {
    expect(() => cacheKeyOf({ reader: { entitlements: new Set(['premium-stories']) } })).toThrow(
      'cacheKeyOf: $.reader.entitlements is a Set, not plain data',
    );
    expect(() => cacheKeyOf([new Map()])).toThrow('$[0] is a Map');
    expect(() => cacheKeyOf({ at: () => 1 })).toThrow('$.at is a function');
    expect(cacheKeyOf({ a: 1, b: undefined })).toBe(cacheKeyOf({ a: 1 }));
    expect(cacheKeyOf({ at: new Date('2026-11-10T04:30:00Z') })).toBe(
      cacheKeyOf({ at: '2026-11-10T04:30:00.000Z' }),
    );
  });
});

describe('caches', () => {
  it('can hand out their values deep-frozen: no caller changes them for the others', async () => {
    const cache = ttlCache<string, { plans: { name: string }[] }>({
      ttlMs: 1000,
      clock: fixedClock('2026-11-15T00:00:00Z'),
      frozen: true,
    });
    const value = await cache.get('active', async () => ({ plans: [{ name: 'Smart Essential' }] }));
    expect(Object.isFrozen(value) && Object.isFrozen(value.plans) && Object.isFrozen(value.plans[0])).toBe(
      true,
    );
    expect(() => value.plans.push({ name: 'Other' })).toThrow(TypeError);
  });

  it('are made in one place, src/caches.ts: no service makes its own', () => {
    const src = resolve(import.meta.dirname, '../../src');
    const makers = readdirSync(src, { recursive: true, encoding: 'utf8' })
      .filter((file) => /\.tsx?$/.test(file))
      .filter((file) => /\bttlCache\s*[<(]/.test(readFileSync(join(src, file), 'utf8')))
      .map((file) => relative(src, join(src, file)));
    expect(makers.sort()).toEqual(['caches.ts', 'kernel/ttl-cache.ts']);
  });
});
