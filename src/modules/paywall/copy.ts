import { Liquid, type Template } from 'liquidjs';
import sanitizeHtml from 'sanitize-html';

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

// Strict everywhere: an unknown filter fails to parse, an undefined variable fails to render,
// no file system (no include/render/layout), bounded work for a hostile template.
const liquid = new Liquid({
  strictFilters: true,
  strictVariables: true,
  outputEscape: 'escape',
  templates: {},
  parseLimit: 10_000,
  renderLimit: 100,
  memoryLimit: 1_000_000,
});

// Publisher copy may carry light markup; whatever it renders to is cleaned before it is sent.
const allowedMarkup: sanitizeHtml.IOptions = {
  allowedTags: ['p', 'strong', 'em', 'b', 'i', 'a', 'br', 'span'],
  allowedAttributes: { a: ['href'], span: ['class'], p: ['class'] },
  allowedSchemes: ['http', 'https', 'mailto'],
};

export type TemplateCheck = { ok: true } | { ok: false; problem: string };

/** Parses `source`, checks its variables and filters, and renders it once with sample values. */
export function checkTemplate(source: string): TemplateCheck {
  let template: Template[];
  let variables: string[];
  try {
    template = liquid.parse(source);
    variables = liquid.globalVariablesSync(template);
  } catch (error) {
    return { ok: false, problem: describe(error) };
  }
  const unknown = variables.filter((name) => !copyVariables.includes(name));
  if (unknown.length > 0) {
    return {
      ok: false,
      problem: `unknown variable${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} (known: ${copyVariables.join(', ')})`,
    };
  }
  // Every branch a template may take must render: one sample context would miss errors in
  // the branches it does not take.
  try {
    for (const context of sampleContexts) liquid.renderSync(template, context);
  } catch (error) {
    return { ok: false, problem: describe(error) };
  }
  return { ok: true };
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

function describe(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/^undefined filter/, 'unknown filter').replace(/, file:.*$/, '');
}
