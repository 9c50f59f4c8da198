import { cutTeaser, plainText } from './body.js';

export {
  bodyFormat,
  unsafeBelowFormat,
  cutTeaser,
  maxTeaserParagraphs,
  prepareBody,
  plainText,
  type PreparedBody,
} from './body.js';
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
  /**
   * A benefit key the article itself needs (`epaper`), besides its section's if any, or null.
   * Unless the article is free, only a reader with it may read the article: the paywall decides.
   */
  readonly requiredBenefit: string | null;
  readonly syndicated: { readonly agency: string } | null;
  /**
   * The teaser as stored: up to `maxTeaserParagraphs` paragraphs. A reader is shown it only cut
   * to the setting (`cutTeaser`, done by the paywall: `AccessOutcome.teaserHtml`), never as is.
   */
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
  // The teaser's first paragraph only, as the search index holds it.
  return `${headline} ${standfirst} ${plainText(cutTeaser(teaserHtml, 1))}`.toLowerCase();
}

/** What the newsroom stores of an article's life; `scheduled` is derived (see `articleStatus`). */
export const storedStatuses = ['draft', 'published', 'unpublished'] as const;
export type StoredStatus = (typeof storedStatuses)[number];

/** What the admin shows: a published article whose time has not come is `scheduled`. */
export const articleStatuses = ['draft', 'scheduled', 'published', 'unpublished'] as const;
export type ArticleStatus = (typeof articleStatuses)[number];

export function articleStatus(stored: StoredStatus, publishedAt: string, now: string): ArticleStatus {
  if (stored === 'published' && publishedAt > now) return 'scheduled';
  return stored;
}

/**
 * The `published_at` an article takes when it is published: the moment asked for; else a
 * draft's planned moment if it is still ahead (the draft becomes scheduled), or now; an
 * article taken down and put back keeps its original date.
 */
export function publicationMoment(
  current: { readonly status: StoredStatus; readonly publishedAt: string },
  asked: string | undefined,
  now: string,
): string {
  if (asked !== undefined) return asked;
  if (current.status === 'draft') return current.publishedAt > now ? current.publishedAt : now;
  return current.publishedAt;
}

/** A section's slug from its name ("Business & Markets" → "business-markets"), at most 60 characters. */
export function sectionSlug(name: string): string {
  return slugify(name).slice(0, 60).replace(/-+$/, '');
}

/**
 * The sections in their new order after `id` moves to `position` (0-based, clamped to the
 * ends): the others keep their order, and positions are 0, 1, 2… with no gap or tie. A new
 * section is placed by listing it in `ordered` (anywhere) and moving it.
 */
export function moveTo(ordered: readonly string[], id: string, position: number): string[] {
  const rest = ordered.filter((other) => other !== id);
  const at = Math.max(0, Math.min(Math.trunc(position), rest.length));
  return [...rest.slice(0, at), id, ...rest.slice(at)];
}

/** The image formats an upload may be, told by their first bytes (never by name or header). */
export const imageTypes = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  gif: 'image/gif',
} as const;
export type ImageKind = keyof typeof imageTypes;

/** The format of an image from its magic bytes, or undefined for anything else (SVG included). */
export function sniffImage(bytes: Uint8Array): ImageKind | undefined {
  const starts = (...sig: number[]) => sig.every((b, i) => bytes[i] === b);
  if (bytes.length >= 4 && starts(0xff, 0xd8, 0xff)) return 'jpeg';
  if (bytes.length >= 8 && starts(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return 'png';
  if (
    bytes.length >= 6 &&
    (starts(0x47, 0x49, 0x46, 0x38, 0x37, 0x61) || starts(0x47, 0x49, 0x46, 0x38, 0x39, 0x61))
  )
    return 'gif';
  const ascii = (from: number, text: string) =>
    [...text].every((c, i) => bytes[from + i] === c.charCodeAt(0));
  if (bytes.length >= 12 && ascii(0, 'RIFF') && ascii(8, 'WEBP')) return 'webp';
  return undefined;
}

/** A stored image's file name: 32 hex digits of its SHA-256 and its format's extension. */
export const imageName = /^[0-9a-f]{32}\.(jpeg|png|webp|gif)$/;
