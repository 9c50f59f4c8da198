import type { Template } from 'liquidjs';
import { parseFragment, type DefaultTreeAdapterTypes as T } from 'parse5';
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
  /** What the reader lacks for this article, by title ("Archives and Market analysis…"); empty when nothing. */
  readonly required_benefits: string;
  /** The plans on sale that include all of it ("Smart Quarterly, Smart Essential and Super Saver"). */
  readonly plan_names: string;
  /** True when the article is refused for its age (older than the archive's free window). */
  readonly archive: boolean;
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
  login_url: '/login?returnTo=/article/a-headline',
  subscribe_url: '/subscribe?returnTo=%2Farticle%2Fa-headline',
  required_benefits: 'Market analysis and investment insights',
  plan_names: 'Smart Quarterly and Smart Essential',
  archive: false,
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
      archive: reread,
      plan_names: readerName === '' ? '' : sampleContext.plan_names,
    })),
  ),
);

const liquid = strictLiquid({ escapeHtml: true });

// Publisher copy may carry light markup; whatever it renders to is cleaned before it is sent.
const copyTags = ['p', 'strong', 'em', 'b', 'i', 'a', 'br', 'span'];
const copyAttributes: Partial<Record<string, readonly string[]>> = {
  a: ['href'],
  span: ['class'],
  p: ['class'],
};
const copySchemes = ['http', 'https', 'mailto'];
const allowedMarkup: sanitizeHtml.IOptions = {
  allowedTags: copyTags,
  allowedAttributes: copyAttributes as Record<string, string[]>,
  allowedSchemes: copySchemes,
};
const allowedSummary =
  `allowed: ${copyTags.map((tag) => `<${tag}>`).join(', ')}; href on <a>, class on <p> and <span>; ` +
  `links to ${copySchemes.join(', ')} or a path`;

/**
 * Copy that passed its check, by source. Stored settings are checked again each time the
 * settings cache fills (every two seconds under traffic): remembering what passed spares
 * rendering every sample again, and keeps a busy moment, in which a render overruns Liquid's
 * time limit, from refusing the publisher's copy and showing the default copy instead.
 * Only successes are kept: a refusal may have been that busy moment.
 */
const accepted = new Set<string>();

/**
 * Parses `source`, checks its variables and filters, and renders it with sample values. Copy
 * whose markup would lose something when cleaned is refused too, naming what: a publisher
 * must not save a `<script>` or an `onerror` and believe it is on the page.
 */
export function checkTemplate(source: string): TemplateCheck {
  if (accepted.has(source)) return { ok: true };
  const check = checkLiquid(liquid, source, { variables: copyVariables, samples: sampleContexts });
  if (!check.ok) return check;
  const removed = [...new Set(check.rendered.flatMap(disallowedMarkup))];
  if (removed.length > 0) {
    return { ok: false, problem: `markup that is not allowed: ${removed.join(', ')} (${allowedSummary})` };
  }
  if (accepted.size >= 100) accepted.clear();
  accepted.add(source);
  return { ok: true };
}

/**
 * What cleaning would remove from rendered copy, in words a publisher can act on: elements
 * (`<script>`), attributes (`the onerror attribute on <img>`) and links (`javascript:`). Read
 * from the tree a browser would build, so nothing hides in malformed markup.
 */
function disallowedMarkup(rendered: string): string[] {
  const found: string[] = [];
  const visit = (parent: T.ParentNode) => {
    for (const node of parent.childNodes) {
      if (!('tagName' in node)) continue;
      const allowed = copyTags.includes(node.tagName) ? (copyAttributes[node.tagName] ?? []) : undefined;
      if (allowed === undefined) found.push(`<${node.tagName}>`);
      for (const { name, value } of node.attrs) {
        if (allowed !== undefined && !allowed.includes(name))
          found.push(`the ${name} attribute on <${node.tagName}>`);
        else if (name === 'href' && !allowedLink(value))
          found.push(`the link ${JSON.stringify(value.slice(0, 80))}`);
      }
      visit(node.tagName === 'template' ? (node as T.Template).content : node);
    }
  };
  visit(parseFragment(rendered));
  return found;
}

/** A path, or an absolute URL with an allowed scheme (as the cleaner decides, ignoring spaces and controls). */
function allowedLink(href: string): boolean {
  // eslint-disable-next-line no-control-regex -- browsers ignore these inside a scheme, so the check must too
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(href.replace(/[\u0000-\u0020]/g, ''));
  return scheme === null || copySchemes.includes(scheme[1]!.toLowerCase());
}

/** A parsed template and what it rendered to, by the context's values (`contextKey`). */
interface Memo {
  readonly template: Template[];
  readonly rendered: Map<string, string>;
}
const memos = new Map<string, Memo>();
let memoised = 0;

/**
 * Every value of `context`, each variable in a fixed order (`copyVariables`, which the type
 * of `sampleContext` holds to every field of `CopyContext`), strings with their length: two
 * contexts share a key only if they are equal. Written out directly because it runs on every
 * page view: `JSON.stringify` of the context cost several times as much.
 */
function contextKey(context: CopyContext): string {
  let key = '';
  for (const name of copyVariables) {
    const value = context[name as keyof CopyContext];
    key += typeof value === 'string' ? `${value.length}:${value}` : `${value};`;
  }
  return key;
}

/**
 * Renders validated copy to safe HTML. Throws if rendering fails (a template that slipped past
 * the check); callers fall back to the default copy.
 * Results are memoised, by template and then by the context's values: the same few banners
 * and paywalls recur on every page view, and cleaning HTML costs more than the rest of the
 * access decision.
 */
export function renderCopy(source: string, context: CopyContext): string {
  let memo = memos.get(source);
  const key = contextKey(context);
  const hit = memo?.rendered.get(key);
  if (hit !== undefined) return hit;
  if (!memo) {
    if (memos.size >= 100) {
      memos.clear();
      memoised = 0;
    }
    memo = { template: liquid.parse(source), rendered: new Map() };
    memos.set(source, memo);
  }
  const html = sanitizeHtml(liquid.renderSync(memo.template, context) as string, allowedMarkup);
  if (memoised >= 2000) {
    for (const other of memos.values()) other.rendered.clear();
    memoised = 0;
  }
  memo.rendered.set(key, html);
  memoised++;
  return html;
}
