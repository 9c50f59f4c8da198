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
  readonly section: {
    readonly slug: string;
    readonly name: string;
    /** The benefit the section's articles need (a premium vertical), or null. */
    readonly requiredBenefit: string | null;
  };
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
  /** A premium vertical names the benefit its articles need (`market-analysis`); else null. */
  readonly requiredBenefit: string | null;
}

/** One full-text search result: the article as anyone may see it, and a highlighted snippet. */
export interface SearchHit {
  readonly article: ArticleSummary;
  /**
   * A passage of the headline, standfirst or teaser (never the rest of the body) around the
   * matched words, as plain text; each match is wrapped in `searchMark.open`/`.close`.
   */
  readonly snippet: string;
}

/**
 * Characters that mark a match in a snippet (from Unicode's private use area, so no article
 * contains them). Whoever shows the snippet escapes the text and turns them into `<mark>`.
 */
export const searchMark = { open: '\uE000', close: '\uE001' } as const;

/** A snippet as HTML: the text escaped, each match in `<mark>`. */
export function snippetHtml(snippet: string): string {
  return snippet
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replaceAll(searchMark.open, '<mark>')
    .replaceAll(searchMark.close, '</mark>');
}

/** Text for the search index, without the characters that mark matches (see `searchMark`). */
export function searchableText(text: string): string {
  return text.replace(/[\uE000\uE001]/g, '');
}

/**
 * The words of a search, as both databases' queries take them: letters and digits only (so no
 * query syntax from a reader reaches FTS5 or tsquery), at most eight.
 */
export function searchWords(q: string): string[] {
  return (
    q
      .normalize('NFKC')
      .toLowerCase()
      .match(/[\p{L}\p{N}]+/gu) ?? []
  ).slice(0, 8);
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
