/**
 * Characters XML 1.0 cannot carry at all, escaped or not: C0 controls other than tab, line
 * feed and carriage return, U+FFFE, U+FFFF and unpaired surrogates. One of them in a feed
 * makes every strict parser refuse the whole document.
 */
const notXml =
  // eslint-disable-next-line no-control-regex -- finding control characters is the point
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * `text` as XML character data, safe in an element and in a quoted attribute. Markup
 * characters become entities (never CDATA, whose `]]>` cannot be escaped inside it), and
 * characters XML cannot carry are dropped: input is refused on save, and this keeps one bad
 * value already stored from breaking a document for everyone.
 */
export function xmlText(text: string): string {
  return text
    .replace(notXml, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** `<name>text</name>`, with the text escaped. */
export const xmlElement = (name: string, text: string, attributes = ''): string =>
  `<${name}${attributes}>${xmlText(text)}</${name}>`;
