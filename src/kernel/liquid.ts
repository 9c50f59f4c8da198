import { Liquid, type Template } from 'liquidjs';

/**
 * Publisher-editable Liquid templates (paywall copy, mail) are parsed, checked and rendered
 * the same way everywhere: strictly, with no file system and bounded work.
 */

export type TemplateCheck = { ok: true } | { ok: false; problem: string };

/**
 * A Liquid engine where an unknown filter fails to parse, an undefined variable fails to render,
 * there is no file system (no include/render/layout) and a hostile template's work is bounded.
 * With `escapeHtml`, every output is HTML-escaped unless the template says `| raw`.
 */
export function strictLiquid(options: { escapeHtml: boolean }): Liquid {
  return new Liquid({
    strictFilters: true,
    strictVariables: true,
    ...(options.escapeHtml && { outputEscape: 'escape' as const }),
    templates: {},
    parseLimit: 10_000,
    renderLimit: 100,
    memoryLimit: 1_000_000,
  });
}

/**
 * Parses `source`, refuses variables outside `variables` (naming them), and renders it once
 * per sample context: every branch a template may take must render, and one sample would miss
 * errors in the branches it does not take. On success returns the parsed template and what
 * each sample rendered to.
 */
export function checkLiquid(
  liquid: Liquid,
  source: string,
  rules: { variables: readonly string[]; samples: readonly object[] },
): { ok: true; template: Template[]; rendered: string[] } | { ok: false; problem: string } {
  let template: Template[];
  let used: string[];
  try {
    template = liquid.parse(source);
    used = liquid.globalVariablesSync(template);
  } catch (error) {
    return { ok: false, problem: describeLiquidError(error) };
  }
  const unknown = used.filter((name) => !rules.variables.includes(name));
  if (unknown.length > 0) {
    return {
      ok: false,
      problem: `unknown variable${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} (known: ${rules.variables.join(', ')})`,
    };
  }
  try {
    const rendered = rules.samples.map((context) => String(liquid.renderSync(template, context)));
    return { ok: true, template, rendered };
  } catch (error) {
    return { ok: false, problem: describeLiquidError(error) };
  }
}

/** LiquidJS's message, in the words the admin API uses and without its internal file name. */
export function describeLiquidError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/^undefined filter/, 'unknown filter').replace(/, file:.*$/, '');
}
