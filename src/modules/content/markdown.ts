import { Marked, type Tokens } from 'marked';
import { prepareBody, type PreparedBody } from './body.js';

// Articles may be written in Markdown (CommonMark with GitHub's tables and strikethrough). The
// Markdown is only a way of writing HTML: what is stored and served is the HTML it gives, then
// prepared by `prepareBody` like any other body, so the sanitiser's guarantees hold whatever
// was typed (raw HTML in the Markdown included: it is cleaned like an HTML body).

const escapeText = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const markdown = new Marked({
  gfm: true,
  breaks: false,
  async: false,
  renderer: {
    // An image alone in its paragraph is a figure, its title the caption: `![A crane](/images/…
    // "The port at dawn")`. A figure may open the teaser; an image inside a paragraph may not.
    paragraph(token: Tokens.Paragraph): string | false {
      const parts = token.tokens.filter((t) => !(t.type === 'text' && t.raw.trim() === ''));
      const image = parts.length === 1 && parts[0]!.type === 'image' ? (parts[0] as Tokens.Image) : undefined;
      if (image === undefined) return false;
      const img = `<img src="${escapeText(image.href)}" alt="${escapeText(image.text)}">`;
      const caption = image.title ? `<figcaption>${escapeText(image.title)}</figcaption>` : '';
      return `<figure>${img}${caption}</figure>\n`;
    },
  },
});

/** The HTML a Markdown source gives, before any cleaning: pass it to `prepareBody`. */
export function markdownToHtml(source: string): string {
  return markdown.parse(source, { async: false });
}

/**
 * A Markdown body as it is stored and served: rendered, then cleaned and its teaser picked
 * (`teaserParagraphs` long, as `prepareBody`).
 */
export function prepareMarkdown(source: string, teaserParagraphs = 1): PreparedBody {
  return prepareBody(markdownToHtml(source), teaserParagraphs);
}

/** How an article's body is written: its source is Markdown, or the HTML itself. */
export const bodySourceFormats = ['markdown', 'html'] as const;
export type BodySourceFormat = (typeof bodySourceFormats)[number];

/** A body as written, in either format, prepared as it is stored (see `prepareBody`). */
export function prepareSource(format: BodySourceFormat, source: string, teaserParagraphs = 1): PreparedBody {
  return format === 'markdown'
    ? prepareMarkdown(source, teaserParagraphs)
    : prepareBody(source, teaserParagraphs);
}
