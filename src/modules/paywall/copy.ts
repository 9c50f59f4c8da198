import type { Template } from 'liquidjs';
import sanitizeHtml from 'sanitize-html';
import { checkLiquid, strictLiquid, type TemplateCheck } from '../../kernel/liquid.js';

/** The variables paywall and meter-banner templates may use; anything else is refused on save. */
export interface CopyContext {
  readonly free_limit: number;
  readonly used: number;
  readonly remaining: number;
  /** The local date the meter resets, e.g. "1 December 2026". */
  readonly resets_on: string;
  /** Empty for an anonymous reader. */
  readonly reader_name: string;
  readonly article_title: string;
  /** True when this metered article was already counted this period (a free reread). */
  readonly reread: boolean;
  readonly publication_name: string;
  readonly login_url: string;
  readonly subscribe_url: string;
}

const sampleContext: CopyContext = {
  free_limit: 5,
  used: 5,
  remaining: 0,
  resets_on: '1 December 2026',
  reader_name: 'Asha',
  article_title: 'A headline',
  reread: false,
  publication_name: 'The Daily Ledger',
  login_url: '/login',
  subscribe_url: '/subscribe',
};
export const copyVariables: readonly string[] = Object.keys(sampleContext);
const sampleContexts: readonly CopyContext[] = [true, false].flatMap((reread) =>
  [0, 1, 4].flatMap((remaining) =>
    ['', 'Asha'].map((readerName) => ({
      ...sampleContext,
      reread,
      remaining,
      used: 5 - remaining,
      reader_name: readerName,
    })),
  ),
);

const liquid = strictLiquid({ escapeHtml: true });

// Publisher copy may carry light markup; whatever it renders to is cleaned before it is sent.
const allowedMarkup: sanitizeHtml.IOptions = {
  allowedTags: ['p', 'strong', 'em', 'b', 'i', 'a', 'br', 'span'],
  allowedAttributes: { a: ['href'], span: ['class'], p: ['class'] },
  allowedSchemes: ['http', 'https', 'mailto'],
};

/** Parses `source`, checks its variables and filters, and renders it with sample values. */
export function checkTemplate(source: string): TemplateCheck {
  const check = checkLiquid(liquid, source, { variables: copyVariables, samples: sampleContexts });
  return check.ok ? { ok: true } : check;
}

const parsed = new Map<string, Template[]>();
const rendered = new Map<string, string>();

/**
 * Renders validated copy to safe HTML. Throws if rendering fails (a template that slipped past
 * the check); callers fall back to the default copy.
 * Results are memoised: the same few banners and paywalls recur on every page view, and
 * cleaning HTML costs more than the rest of the access decision.
 */
export function renderCopy(source: string, context: CopyContext): string {
  const key = `${source}\u0000${JSON.stringify(context)}`;
  const hit = rendered.get(key);
  if (hit !== undefined) return hit;
  let template = parsed.get(source);
  if (!template) {
    template = liquid.parse(source);
    if (parsed.size >= 100) parsed.clear();
    parsed.set(source, template);
  }
  const html = sanitizeHtml(liquid.renderSync(template, context) as string, allowedMarkup);
  if (rendered.size >= 2000) rendered.clear();
  rendered.set(key, html);
  return html;
}
