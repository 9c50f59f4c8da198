import { parseDocument } from 'htmlparser2';
import render from 'dom-serializer';
import { textContent } from 'domutils';
import { isTag, isText, type ChildNode } from 'domhandler';
import sanitizeHtml from 'sanitize-html';
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

export interface Section {
  readonly id: string;
  readonly slug: string;
  readonly name: string;
}

// The markup an article body may carry; everything else (scripts, styles, event handlers,
// iframes) is removed when the article is saved.
const bodyMarkup: sanitizeHtml.IOptions = {
  allowedTags: [
    'p',
    'h2',
    'h3',
    'h4',
    'blockquote',
    'ul',
    'ol',
    'li',
    'a',
    'strong',
    'em',
    'b',
    'i',
    'br',
    'figure',
    'figcaption',
    'img',
    'table',
    'thead',
    'tbody',
    'tr',
    'th',
    'td',
    'hr',
    'sup',
    'sub',
  ],
  allowedAttributes: { a: ['href', 'title'], img: ['src', 'alt', 'width', 'height'] },
  allowedSchemes: ['http', 'https', 'mailto'],
  transformTags: { a: sanitizeHtml.simpleTransform('a', { rel: 'noopener' }) },
};

export interface PreparedBody {
  /** The cleaned body, as a granted reader sees it. */
  readonly bodyHtml: string;
  /** What a refused reader sees: leading media and the first paragraph, or an excerpt of it. */
  readonly teaserHtml: string;
}

/** A first paragraph longer than this (in characters of text) is cut to an excerpt. */
const teaserMaxChars = 600;
const excerptChars = 280;

/**
 * Cleans an article body and picks its teaser: the media that open it (figures, images) and
 * the first paragraph with text — nothing else, so a list or table before the first paragraph
 * stays behind the wall. A very long first paragraph (say, a whole article in one paragraph
 * split by line breaks) gives only a plain-text excerpt. Loose text at the top level becomes
 * paragraphs.
 */
export function prepareBody(html: string): PreparedBody {
  const clean = sanitizeHtml(html, bodyMarkup);
  const nodes = parseDocument(clean).children.filter((node) => !(isText(node) && node.data.trim() === ''));
  const blocks = nodes.map((node) => (isText(node) ? `<p>${render(node)}</p>` : render(node as ChildNode)));
  const bodyHtml = blocks.join('\n');
  const teaser: string[] = [];
  for (const [i, node] of nodes.entries()) {
    if (isTag(node) && (node.name === 'figure' || node.name === 'img')) {
      teaser.push(blocks[i]!);
      continue;
    }
    if (!(isText(node) || (isTag(node) && node.name === 'p'))) continue;
    const text = textContent(node).replace(/\s+/g, ' ').trim();
    if (text === '') continue;
    teaser.push(text.length > teaserMaxChars ? `<p>${escapeText(excerpt(text))}</p>` : blocks[i]!);
    break;
  }
  return { bodyHtml, teaserHtml: teaser.join('\n') };
}

/** The first `excerptChars` characters of `text`, cut at a word, with an ellipsis. */
function excerpt(text: string): string {
  if (text.length <= excerptChars) return text;
  const cut = text.slice(0, excerptChars);
  return `${cut.slice(0, Math.max(cut.lastIndexOf(' '), excerptChars / 2)).trimEnd()}…`;
}

const escapeText = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Plain text of an HTML fragment, for search and descriptions. */
export function plainText(html: string): string {
  return sanitizeHtml(html, { allowedTags: [], allowedAttributes: {} }).replace(/\s+/g, ' ').trim();
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
