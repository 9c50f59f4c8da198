import { parseDocument } from 'htmlparser2';
import render from 'dom-serializer';
import { isTag, isText, type ChildNode } from 'domhandler';
import sanitizeHtml from 'sanitize-html';
import type { ArticleAccess } from '../paywall/access.js';

export type { ArticleAccess };
export const articleAccessLevels = ['free', 'metered', 'premium'] as const;

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

export interface SplitBody {
  readonly teaserHtml: string;
  readonly restHtml: string;
}

/**
 * Cleans an article body and splits it into the teaser (its first paragraph with text) and
 * the rest. Loose text at the top level is wrapped in paragraphs first.
 */
export function splitBody(html: string): SplitBody {
  const clean = sanitizeHtml(html, bodyMarkup);
  const nodes = parseDocument(clean).children.filter((node) => !(isText(node) && node.data.trim() === ''));
  const blocks = nodes.map((node) => (isText(node) ? `<p>${render(node)}</p>` : render(node as ChildNode)));
  const first = nodes.findIndex(
    (node) => isText(node) || (isTag(node) && node.name === 'p' && textOf(node) !== ''),
  );
  if (first === -1) return { teaserHtml: '', restHtml: blocks.join('\n') };
  return {
    teaserHtml: blocks.slice(0, first + 1).join('\n'),
    restHtml: blocks.slice(first + 1).join('\n'),
  };
}

function textOf(node: ChildNode): string {
  if (isText(node)) return node.data.trim();
  if (isTag(node)) return node.children.map(textOf).join('').trim();
  return '';
}

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
