import { z } from 'zod';

/**
 * An ISO 8601 date-time with any offset, normalised to UTC with milliseconds
 * (`2026-11-16T03:30:00.000Z`) — the one form stored timestamps take, so that comparing them
 * as text compares instants.
 */
export const isoInstant = z.iso
  .datetime({ offset: true, error: 'expected an ISO 8601 date-time' })
  .transform((value) => new Date(value).toISOString());

/** An article's id (`art_…`) or slug, as URLs carry them. */
export const articleKey = z.string().regex(/^[a-z0-9_-]{1,120}$/, 'expected an article id or slug');

// C0 and C1 controls (tab, line feed and carriage return aside), the noncharacters U+FFFE and
// U+FFFF, and unpaired surrogates: no text field needs them, and XML (feeds, sitemaps) cannot
// carry them at all.
const controlCharacter =
  // eslint-disable-next-line no-control-regex -- finding control characters is the point
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** `schema`, refusing text that holds a control character and saying which and where. */
export function printable(schema: z.ZodString): z.ZodString {
  return schema.superRefine((value, ctx) => {
    const found = controlCharacter.exec(value);
    if (found) {
      const code = found[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
      ctx.addIssue({
        code: 'custom',
        message: `must not contain control characters (found U+${code} at character ${found.index + 1})`,
      });
    }
  });
}

// Line breaks (the C0 and C1 ones are control characters already) and the bidirectional
// formatting characters, which reorder the text around them as it is displayed.
const notInOneLine = /[\n\r\u2028\u2029\u202A-\u202E\u2066-\u2069]/;

/**
 * `schema` for a name or a title: `printable`, and on one line, with no bidirectional
 * formatting characters. Such a value is drawn where a line break starts a line of its own
 * (an invoice PDF's "Bill to", a mail's text part), so a name with one could add a line the
 * document never had ("GSTIN: …"), and a right-to-left override could make it read as another.
 */
export function singleLine(schema: z.ZodString): z.ZodString {
  return printable(schema).superRefine((value, ctx) => {
    const found = notInOneLine.exec(value);
    if (found) {
      const code = found[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
      ctx.addIssue({
        code: 'custom',
        message: `must be one line, without line breaks or bidirectional controls (found U+${code} at character ${found.index + 1})`,
      });
    }
  });
}
