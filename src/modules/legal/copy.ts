import { Parser } from 'htmlparser2';
import sanitizeHtml from 'sanitize-html';

/** The markup a policy page may carry: headings, paragraphs, lists and links. */
const allowedTags = ['h2', 'h3', 'p', 'ul', 'ol', 'li', 'strong', 'em', 'b', 'i', 'a', 'br'] as const;
const allowedSchemes = ['http', 'https', 'mailto', 'tel'];
const allowed: sanitizeHtml.IOptions = {
  allowedTags: [...allowedTags],
  allowedAttributes: { a: ['href'] },
  allowedSchemes,
  allowedSchemesAppliedToAttributes: ['href'],
  allowProtocolRelative: false,
};
const tagSet = new Set<string>(allowedTags);

/**
 * What cleaning `html` would remove, in the publisher's terms (`<script>`, `onerror on <img>`,
 * `the link javascript:…`), or none: copy is refused with this list rather than saved and
 * silently changed.
 */
export function disallowedMarkup(html: string): string[] {
  const found = new Set<string>();
  const parser = new Parser(
    {
      onopentag(name, attributes) {
        if (!tagSet.has(name)) found.add(`<${name}>`);
        for (const [attribute, value] of Object.entries(attributes)) {
          if (name !== 'a' || attribute !== 'href') found.add(`${attribute} on <${name}>`);
          else if (!hasAllowedScheme(value)) found.add(`the link ${value.slice(0, 40)}`);
        }
      },
      oncomment() {
        found.add('comments');
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
  );
  parser.write(html);
  parser.end();
  return [...found];
}

function hasAllowedScheme(href: string): boolean {
  const value = href.trim();
  if (value.startsWith('//')) return false;
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(value)?.[1];
  return scheme === undefined || allowedSchemes.includes(scheme.toLowerCase());
}

/** The copy as it is sent: cleaned again, whatever was stored. */
export function renderPolicy(html: string): string {
  return sanitizeHtml(html, allowed);
}
