import { html, parseFragment, serialize, type DefaultTreeAdapterTypes as T } from 'parse5';
import sanitizeHtml from 'sanitize-html';
import { truncateText } from '../../kernel/text.js';

// Bodies are read the way a browser reads them (parse5 follows the HTML5 parsing algorithm):
// an inline tag left open, a missing `</p>` or a stray `</div>` then means what it means on
// the page, and the teaser is cut from the tree a reader's browser would build. A parser that
// nests differently (htmlparser2 keeps `<p>` inside an open `<strong>`) lets a "first
// paragraph" swallow every paragraph after it.

// Elements whose content a browser does not show as body text (or that cannot be body text):
// dropped whole, content and all, before anything else looks at the tree.
const droppedWhole = new Set([
  'script',
  'style',
  'template',
  'noscript',
  'iframe',
  'object',
  'embed',
  'svg',
  'math',
  'select',
  'textarea',
  'option',
  'title',
  'head',
  'meta',
  'link',
  'base',
  'noembed',
  'noframes',
  'input',
  'button',
]);

// Elements with an allowed equivalent: headings stay headings (and so out of the teaser), and
// text shown as text stays text.
const renamedTags: Partial<Record<string, string>> = {
  h1: 'h2',
  h5: 'h4',
  h6: 'h4',
  pre: 'p',
  xmp: 'p',
  plaintext: 'p',
  listing: 'p',
  // A definition list is a list; a disclosure and a sidebar are asides: none is teaser material.
  dl: 'ul',
  dt: 'li',
  dd: 'li',
  details: 'blockquote',
  summary: 'p',
  aside: 'blockquote',
};

// Block containers a body may not keep; their content takes their place.
const blockContainers = new Set([
  'div',
  'section',
  'article',
  'main',
  'header',
  'footer',
  'nav',
  'center',
  'address',
  'dialog',
  'fieldset',
  'legend',
  'form',
  'hgroup',
  'search',
  'menu',
  'dir',
  'marquee',
]);

// Elements that sit inside a line of text; a run of them (with text) makes one paragraph.
const phrasing = new Set([
  'a',
  'abbr',
  'b',
  'bdi',
  'bdo',
  'big',
  'br',
  'cite',
  'code',
  'data',
  'del',
  'dfn',
  'em',
  'font',
  'i',
  'img',
  'ins',
  'kbd',
  'label',
  'mark',
  'nobr',
  'q',
  'rp',
  'rt',
  'ruby',
  's',
  'samp',
  'small',
  'span',
  'strike',
  'strong',
  'sub',
  'sup',
  'time',
  'tt',
  'u',
  'var',
  'wbr',
]);

// The markup an article body may carry; other elements are unwrapped (their text stays),
// attributes and URL schemes outside these lists are removed.
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
    'caption',
    'thead',
    'tbody',
    'tfoot',
    'tr',
    'th',
    'td',
    'hr',
    'sup',
    'sub',
  ],
  allowedAttributes: { a: ['href', 'title'], img: ['src', 'alt', 'width', 'height'] },
  allowedSchemes: ['http', 'https', 'mailto'],
};

/** Inline elements that may stand loose at the top of a body; a run of them becomes a paragraph. */
const inlineTags = new Set(['a', 'strong', 'em', 'b', 'i', 'br', 'sup', 'sub']);
/** Inline elements a teaser keeps (with `a`'s href); any other element gives only its text. */
const teaserInline = new Set(['a', 'strong', 'em', 'b', 'i', 'sup', 'sub']);

/** A first paragraph longer than this (in characters of text) is cut to an excerpt. */
const teaserMaxChars = 600;
const excerptChars = 280;
/** Image figures that may open a teaser; more stay behind the wall. */
const teaserMaxImages = 1;

/**
 * The most paragraphs a teaser may show (the paywall's setting `paywall.teaserParagraphs`
 * goes from 1 to this). Each article's teaser is stored this long and cut to the setting where
 * it is shown (`cutTeaser`).
 *
 * Why cut when shown rather than store the teaser the setting asks for: a change of the setting
 * then takes effect on the next view of every article, with no article prepared again. Storing
 * it cut would mean preparing every article again on each change — `prepareBody` takes about
 * 3 ms for a 20-paragraph body, so a million-article archive is close to an hour of work, which
 * only the queue could do — and until that finished a reader would see the old length, longer
 * than the setting allows when it was lowered. The cut is a few `indexOf` calls over a short
 * string on a view (measured: 0.1–0.3 µs, against milliseconds for the page); storing five
 * paragraphs costs about 1 KB an article instead of 0.25 KB.
 */
export const maxTeaserParagraphs = 5;

/**
 * The version of `prepareBody`'s output. Raise it when the preparation changes what it stores:
 * articles saved under an older one are prepared again (`ContentService.upgradeStoredBodies`).
 * 1: before bodies were parsed as a browser parses them. 2: HTML5 parsing, teaser from the first block.
 * 3: the stored teaser holds up to `maxTeaserParagraphs` paragraphs, cut when shown.
 */
export const bodyFormat = 3;

/**
 * Articles prepared by a format below this may have a teaser that shows hidden text: they are
 * prepared again before the app serves (`ContentService.upgradeStoredBodies`). Those of a later
 * but older format are safe as they are (a format-2 teaser is one paragraph, within any setting)
 * and are prepared again in the background (`ContentService.handlers`, `content:prepare-bodies`).
 */
export const unsafeBelowFormat = 2;

export interface PreparedBody {
  /** The cleaned, well-formed body, as a granted reader sees it. */
  readonly bodyHtml: string;
  /**
   * What a refused reader sees: an opening image and the first `teaserParagraphs` paragraphs
   * (by default 1: the first line of the first paragraph). Each is its own `<p>…</p>`, and
   * `</p>` appears nowhere else, so `cutTeaser` can shorten it without parsing.
   */
  readonly teaserHtml: string;
}

type Block = { kind: 'element'; element: T.Element } | { kind: 'run'; nodes: T.ChildNode[] };

const isElement = (node: T.ChildNode | T.ParentNode): node is T.Element => 'tagName' in node;
const isText = (node: T.ChildNode): node is T.TextNode => node.nodeName === '#text';

/**
 * Cleans an article body into well-formed markup and picks its teaser.
 *
 * The body: parsed as a browser parses it, stripped of what a browser would not show
 * (comments, CDATA, `<template>`, `<noscript>`, scripts), sanitised to the allowed markup and
 * serialised again, so what is stored re-parses to the same tree. Loose text and inline markup
 * at the top level become paragraphs.
 *
 * The teaser: at most one opening image figure (an `<img>` with an optional caption, rebuilt
 * from its attributes), then the first `teaserParagraphs` lines with text of the top-level
 * paragraphs (a paragraph's lines are parted by `<br>`; by default the first line of the first
 * paragraph), each re-serialised from its text and a few inline tags as a paragraph of its own.
 * A line longer than 600 characters gives a 280-character plain-text excerpt. Nothing else — no
 * list, table, heading, quote or figure of another kind — ever reaches the teaser: blocks of
 * those kinds between paragraphs are passed over.
 */
export function prepareBody(source: string, teaserParagraphs = 1): PreparedBody {
  let bodyHtml = normalise(source);
  // A serialisation can, in rare shapes, re-parse differently; settle on a fixed point so the
  // stored body is what the next parse (a browser's, or this one on the next save) sees.
  for (let pass = 0; pass < 3; pass++) {
    const again = normalise(bodyHtml);
    if (again === bodyHtml) break;
    bodyHtml = again;
  }
  return { bodyHtml, teaserHtml: teaserOf(blocksOf(parseFragment(bodyHtml)), teaserParagraphs) };
}

function normalise(source: string): string {
  const browserTree = parseFragment(source);
  clean(browserTree);
  const sanitised = sanitizeHtml(serialize(browserTree), bodyMarkup);
  return blocksOf(parseFragment(sanitised))
    .map((block) =>
      block.kind === 'element' ? outer(block.element) : `<p>${block.nodes.map(outer).join('').trim()}</p>`,
    )
    .join('\n');
}

/**
 * Makes the browser's tree safe to sanitise: removes comments (CDATA in HTML is a comment too)
 * and what a reader never sees, renames the elements that have an allowed equivalent, and
 * replaces block containers (`<div>`, `<section>`, …) by their content with its loose text in
 * paragraphs: unwrapping them later would otherwise join the text of two blocks into one.
 */
function clean(parent: T.ParentNode): void {
  const children: T.ChildNode[] = [];
  for (const node of parent.childNodes) {
    if (isText(node)) children.push(node);
    if (!isElement(node) || node.namespaceURI !== html.NS.HTML || droppedWhole.has(node.tagName)) continue;
    const renamed = renamedTags[node.tagName];
    if (renamed !== undefined) node.nodeName = node.tagName = renamed;
    clean(node);
    if (blockContainers.has(node.tagName)) children.push(...inParagraphs(node.childNodes));
    // An empty paragraph (a stray `</p>` makes one) is nothing to read.
    else if (node.tagName !== 'p' || hasContent(node)) children.push(node);
  }
  parent.childNodes = children;
}

/** `nodes` with each run of loose inline content wrapped in a paragraph. */
function inParagraphs(nodes: readonly T.ChildNode[]): T.ChildNode[] {
  const out: T.ChildNode[] = [];
  let run: T.ChildNode[] = [];
  const endRun = () => {
    if (run.some(hasContent)) out.push(paragraph(run));
    run = [];
  };
  for (const node of nodes) {
    if (isPhrasing(node, phrasing)) run.push(node);
    else {
      endRun();
      out.push(node);
    }
  }
  endRun();
  return out;
}

/**
 * Text, or an inline element with only inline content: what may go into a paragraph. An inline
 * element holding a block (`<strong>…<blockquote>`, as the parser's formatting rules can make)
 * is a block of its own: wrapped in a `<p>`, it would re-parse as something else.
 */
function isPhrasing(node: T.ChildNode, tags: ReadonlySet<string>): boolean {
  if (isText(node)) return true;
  return isElement(node) && tags.has(node.tagName) && node.childNodes.every((c) => isPhrasing(c, tags));
}

/** Whether an element shows anything: text, or an image. */
function hasContent(node: T.ChildNode): boolean {
  if (isText(node)) return node.value.trim() !== '';
  return isElement(node) && (node.tagName === 'img' || node.childNodes.some(hasContent));
}

const paragraph = (childNodes: T.ChildNode[]): T.Element => ({
  nodeName: 'p',
  tagName: 'p',
  attrs: [],
  namespaceURI: html.NS.HTML,
  parentNode: null,
  childNodes,
});

/** The top level of a clean fragment as blocks: elements, and runs of loose inline content. */
function blocksOf(fragment: T.DocumentFragment): Block[] {
  const blocks: Block[] = [];
  let run: T.ChildNode[] = [];
  const endRun = () => {
    if (run.some(hasContent)) blocks.push({ kind: 'run', nodes: run });
    run = [];
  };
  for (const node of fragment.childNodes) {
    if (isPhrasing(node, inlineTags)) {
      run.push(node);
    } else if (isElement(node)) {
      endRun();
      blocks.push({ kind: 'element', element: node });
    }
  }
  endRun();
  return blocks;
}

function teaserOf(blocks: readonly Block[], paragraphs: number): string {
  const teaser: string[] = [];
  let images = 0;
  let taken = 0;
  for (const block of blocks) {
    const image = block.kind === 'element' ? imageFigure(block.element) : undefined;
    if (image !== undefined) {
      // Only an opening image: one between paragraphs stays behind the wall.
      if (taken === 0 && images++ < teaserMaxImages) teaser.push(image);
      continue;
    }
    const inline =
      block.kind === 'run' ? block.nodes : block.element.tagName === 'p' ? block.element.childNodes : null;
    if (inline === null) continue;
    for (const line of linesOf(inline)) {
      if (!line.some((node) => textOf(node).trim() !== '')) continue;
      const text = line.map(textOf).join('').replace(/\s+/g, ' ').trim();
      teaser.push(
        text.length > teaserMaxChars
          ? `<p>${escapeText(excerpt(text))}</p>`
          : `<p>${line.map(teaserMarkup).join('').trim()}</p>`,
      );
      if (++taken >= paragraphs) return teaser.join('\n');
    }
  }
  return teaser.join('\n');
}

/**
 * `teaserHtml` (as `prepareBody` makes it) with no more than `paragraphs` paragraphs: what a
 * refused reader is shown when the setting asks for fewer than were stored. Allocates nothing
 * when the teaser is short enough already.
 */
export function cutTeaser(teaserHtml: string, paragraphs: number): string {
  let end = 0;
  for (let i = 0; i < paragraphs; i++) {
    const close = teaserHtml.indexOf('</p>', end);
    if (close < 0) return teaserHtml;
    end = close + 4;
  }
  return end >= teaserHtml.length ? teaserHtml : teaserHtml.slice(0, end);
}

/** Inline content split at every `<br>`, however deep: `<b>a<br>b</b>` is `<b>a</b>` and `<b>b</b>`. */
function linesOf(nodes: readonly T.ChildNode[]): T.ChildNode[][] {
  const lines: T.ChildNode[][] = [[]];
  for (const node of nodes) {
    if (isElement(node) && node.tagName === 'br') lines.push([]);
    else if (isElement(node) && containsBreak(node)) {
      linesOf(node.childNodes).forEach((part, i) => {
        if (i > 0) lines.push([]);
        lines.at(-1)!.push({ ...node, childNodes: part });
      });
    } else lines.at(-1)!.push(node);
  }
  return lines;
}

function containsBreak(element: T.Element): boolean {
  return element.childNodes.some((c) => isElement(c) && (c.tagName === 'br' || containsBreak(c)));
}

/** An image figure rebuilt from its image's attributes and its caption's text, or undefined. */
function imageFigure(element: T.Element): string | undefined {
  if (element.tagName === 'img') return imageTag(element);
  if (element.tagName !== 'figure') return undefined;
  const children = element.childNodes.filter((node) => !(isText(node) && node.value.trim() === ''));
  const [image, caption, ...rest] = children;
  if (rest.length > 0 || !image || !isElement(image) || image.tagName !== 'img') return undefined;
  if (caption && !(isElement(caption) && caption.tagName === 'figcaption')) return undefined;
  // A caption that holds blocks (paragraphs, lists) is more than a caption: it stays behind.
  const plainCaption =
    caption !== undefined &&
    caption.childNodes.every((n) => isText(n) || (isElement(n) && inlineTags.has(n.tagName)));
  const captionText = plainCaption ? textOf(caption).replace(/\s+/g, ' ').trim() : '';
  const captionHtml = captionText && `<figcaption>${escapeText(excerpt(captionText))}</figcaption>`;
  return `<figure>${imageTag(image)}${captionHtml}</figure>`;
}

function imageTag(image: T.Element): string {
  const attrs = ['src', 'alt', 'width', 'height'].flatMap((name) => {
    const value = image.attrs.find((a) => a.name === name)?.value;
    return value === undefined ? [] : [` ${name}="${escapeAttribute(value)}"`];
  });
  return `<img${attrs.join('')}>`;
}

function teaserMarkup(node: T.ChildNode): string {
  if (isText(node)) return escapeText(node.value);
  if (!isElement(node)) return '';
  const inner = node.childNodes.map(teaserMarkup).join('');
  if (!teaserInline.has(node.tagName)) return inner;
  if (node.tagName === 'a') {
    const href = node.attrs.find((a) => a.name === 'href')?.value;
    return href === undefined ? inner : `<a href="${escapeAttribute(href)}" rel="noopener">${inner}</a>`;
  }
  return `<${node.tagName}>${inner}</${node.tagName}>`;
}

function outer(node: T.ChildNode): string {
  if (isText(node)) return escapeText(node.value);
  const holder: T.DocumentFragment = { nodeName: '#document-fragment', childNodes: [node] };
  return serialize(holder);
}

function textOf(node: T.ChildNode): string {
  if (isText(node)) return node.value;
  if (!isElement(node)) return '';
  return node.childNodes.map(textOf).join('');
}

/** The first `excerptChars` characters of `text`, cut at a word, with an ellipsis. */
function excerpt(text: string): string {
  if (text.length <= excerptChars) return text;
  const cut = truncateText(text, excerptChars);
  return `${truncateText(cut, Math.max(cut.lastIndexOf(' '), excerptChars / 2)).trimEnd()}…`;
}

const escapeText = (text: string) =>
  text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\u00a0/g, '&nbsp;');
// `<` and `>` too, so that `</p>` in a teaser is always a paragraph's end (`cutTeaser`).
const escapeAttribute = (text: string) =>
  text
    .replace(/&/g, '&amp;')
    .replace(/"/g, '&quot;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\u00a0/g, '&nbsp;');

/** Plain text of an HTML fragment as a browser would read it, for search and descriptions. */
export function plainText(source: string): string {
  const fragment = parseFragment(source);
  clean(fragment);
  return fragment.childNodes.map(readableText).join('').replace(/\s+/g, ' ').trim();
}

/** Text with blocks (and line breaks) parted by a space, so words of two blocks never join. */
function readableText(node: T.ChildNode): string {
  if (isText(node)) return node.value;
  if (!isElement(node)) return '';
  const inner = node.childNodes.map(readableText).join('');
  return inlineTags.has(node.tagName) && node.tagName !== 'br' ? inner : ` ${inner} `;
}
