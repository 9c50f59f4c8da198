import { Parser } from 'htmlparser2';
import { z } from 'zod';

/** At most this many bytes (UTF-8) of ad-slot HTML: an ad tag is a few hundred; a page is not. */
export const maxSlotBytes = 16 * 1024;
const maxSources = 20;

/** `https://host[:port]`, nothing after it: what a CSP source for a script's origin is. */
const origin = z
  .string()
  .trim()
  .max(200)
  .refine((value) => {
    try {
      const url = new URL(value);
      return url.protocol === 'https:' && url.origin === value.replace(/\/$/, '');
    } catch {
      return false;
    }
  }, 'expected an https origin such as https://securepubads.g.doubleclick.net (no path)')
  .transform((value) => new URL(value).origin);

/** What an ad slot's HTML holds that the page's Content-Security-Policy must allow. */
export interface SlotScripts {
  /** The source text of each inline `<script>`, as the browser will hash it. */
  readonly inline: readonly string[];
  /** The `src` of each external `<script>`. */
  readonly external: readonly string[];
}

/** The scripts in `html`, inline and external. */
export function scriptsOf(html: string): SlotScripts {
  const inline: string[] = [];
  const external: string[] = [];
  let current: { src: string | undefined; text: string } | undefined;
  const parser = new Parser(
    {
      onopentag(name, attributes) {
        if (name === 'script') current = { src: attributes.src, text: '' };
      },
      ontext(text) {
        if (current) current.text += text;
      },
      onclosetag(name) {
        if (name !== 'script' || !current) return;
        if (current.src !== undefined) external.push(current.src);
        else if (current.text !== '') inline.push(current.text);
        current = undefined;
      },
    },
    // Script text is raw: entities in it are not decoded, exactly as a browser reads it.
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
  );
  parser.write(html);
  parser.end();
  return { inline, external };
}

/**
 * The ad slot: HTML the publisher supplies (their ad server's tag), shown on the front page,
 * section pages and under each article to readers without `ad-free`. It is
 * publisher-trusted: it may carry scripts, as ad tags do. Inline scripts are allowed by their
 * hash in the page's Content-Security-Policy; an external script's origin must be listed in
 * `scriptSources` (which also become frame and connect sources on those pages), so that what
 * the policy lets in is a deliberate list. Empty: no ads anywhere.
 */
export const adsSettingsSchema = z
  .object({
    slotHtml: z
      .string()
      .refine((html) => Buffer.byteLength(html) <= maxSlotBytes, `expected at most ${maxSlotBytes} bytes`)
      .default(''),
    scriptSources: z.array(origin).max(maxSources, `expected at most ${maxSources} origins`).default([]),
  })
  .strict()
  .superRefine((value, ctx) => {
    for (const src of scriptsOf(value.slotHtml).external) {
      let url: URL;
      try {
        url = new URL(src);
      } catch {
        ctx.addIssue({
          code: 'custom',
          path: ['slotHtml'],
          message: `the script "${src.slice(0, 80)}" needs an absolute https address`,
        });
        continue;
      }
      if (url.protocol !== 'https:' || !value.scriptSources.includes(url.origin)) {
        ctx.addIssue({
          code: 'custom',
          path: ['slotHtml'],
          message: `the script from ${url.origin} is not allowed: add "${url.origin}" to ads.scriptSources (https only)`,
        });
      }
    }
  });

export type AdsSettings = z.output<typeof adsSettingsSchema>;
export const adsSettingsKey = 'ads';
