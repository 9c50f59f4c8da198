import { plainText } from './body.js';

export { bodyFormat, prepareBody, plainText, type PreparedBody } from './body.js';
export const articleAccessLevels = ['free', 'metered', 'premium'] as const;
/** `free` never counts, `metered` counts against the meter, `premium` is for subscribers. */
export type ArticleAccess = (typeof articleAccessLevels)[number];

/** An article as anyone may see it: everything except the hidden part of the body. */
export interface ArticleSummary {
  readonly id: string;
  readonly slug: string;
  readonly headline: string;
  readonly standfirst: string;
  readonly byline: string;
  readonly section: { readonly slug: string; readonly name: string };
  readonly access: ArticleAccess;
  readonly syndicated: { readonly agency: string } | null;
  readonly teaserHtml: string;
  readonly publishedAt: string;
  readonly updatedAt: string;
}

/**
 * The whole body of a published article, for a reader who was granted it. An object rather
 * than the bare HTML so that the cache can hand out one frozen value per load, which the
 * article page's key names by a digest computed once instead of hashing the text on every view.
 */
export interface PublishedBody {
  readonly html: string;
}

export interface Section {
  readonly id: string;
  readonly slug: string;
  readonly name: string;
}

/** "Budget 2026: What's in it?" → "budget-2026-whats-in-it" */
export function slugify(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/['’]/g, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80)
    .replace(/-+$/, '');
}

export function searchTextOf(headline: string, standfirst: string, teaserHtml: string): string {
  return `${headline} ${standfirst} ${plainText(teaserHtml)}`.toLowerCase();
}
