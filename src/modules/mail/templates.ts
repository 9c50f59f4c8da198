import type { Liquid } from 'liquidjs';
import { checkLiquid, strictLiquid, type TemplateCheck } from '../../kernel/liquid.js';

/** A mail template: a Liquid source for each part of the message. */
export interface MailTemplate {
  /** One line; line breaks and runs of spaces become one space. */
  readonly subject: string;
  readonly text: string;
  /** Variables are always HTML-escaped, `| raw` included. */
  readonly html: string;
}

export interface RenderedMail {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

/**
 * One kind of mail a module sends, as that module defines it: the copy it sends until a
 * publisher writes their own, the contexts that copy is checked with, and what of it is secret.
 * `V` is what the sender supplies.
 */
export interface MailKind<V extends object> {
  /** What the mail is for, in a line, for the publisher who edits its copy. */
  readonly description?: string;
  readonly copy: MailTemplate;
  /**
   * The contexts every part must render with: between them, every branch the default copy
   * takes. The first one's keys, in order, are the template's variables.
   */
  readonly samples: readonly [V, ...V[]];
  /** The variables as the delivery log keeps them: secrets withheld. */
  readonly forLog: (variables: V) => V;
}

/**
 * The mail one module sends, by template name. `M` maps each name to its sender's variables;
 * each module owns its catalogue, and the composition root hands them all to the mailer.
 */
export type MailCatalogue<M extends MailVariablesMap<M>> = { readonly [N in keyof M]: MailKind<M[N]> };

/** Template names to the variables their senders supply. */
export type MailVariablesMap<M> = Record<keyof M, object>;

/** The variables of a template that have nothing secret in them: the log keeps them as sent. */
export const keepInLog = <V>(variables: V): V => variables;

/**
 * Two modules' mail as one catalogue. A name in both is refused: one module's copy would
 * silently replace the other's.
 */
export function joinMailCatalogues<A extends MailVariablesMap<A>, B extends MailVariablesMap<B>>(
  a: MailCatalogue<A>,
  b: MailCatalogue<B>,
): MailCatalogue<A> & MailCatalogue<B> {
  const shared = Object.keys(a).filter((name) => Object.hasOwn(b, name));
  if (shared.length > 0) throw new Error(`Mail templates defined twice: ${shared.join(', ')}`);
  return { ...a, ...b };
}

/** What the delivery log keeps in place of the one-time link of a message sent over SMTP. */
export const withheldLink = '[link withheld from the log]';

const samplePublication = 'The Daily Ledger';

/** The variables a template may use; anything else is refused. */
export function mailVariablesOf(kind: Pick<MailKind<object>, 'samples'>): readonly string[] {
  return [...Object.keys(kind.samples[0]), 'publication_name'];
}

const plain = strictLiquid({ escapeHtml: false });
const html = strictLiquid({ escapeHtml: true });
// A reader chooses their own name, and it lands in mail: no template may print it unescaped.
html.registerFilter('raw', (value: unknown) => value);

const parts = [
  ['subject', plain],
  ['text', plain],
  ['html', html],
] as const satisfies readonly (readonly [keyof MailTemplate, Liquid])[];

const oneLine = (subject: string) => subject.replace(/\s+/g, ' ').trim();

/**
 * Checks a template for one kind of mail as an admin would save it: each part must parse, use
 * only that kind's variables and known filters, and render with each of its sample contexts;
 * the subject must not come out empty. The problem names the part (`subject: unknown variable
 * reader`).
 */
export function checkMailTemplate(
  template: MailTemplate,
  kind: Pick<MailKind<object>, 'samples'>,
): TemplateCheck {
  const variables = mailVariablesOf(kind);
  const samples = kind.samples.map((sample) => ({ ...sample, publication_name: samplePublication }));
  for (const [part, liquid] of parts) {
    const check = checkLiquid(liquid, template[part], { variables, samples });
    if (!check.ok) return { ok: false, problem: `${part}: ${check.problem}` };
    if (part === 'subject' && check.rendered.some((subject) => oneLine(subject) === '')) {
      return { ok: false, problem: 'subject: renders empty' };
    }
  }
  return { ok: true };
}

/**
 * Renders a checked template with its variables and the publication's name. Throws if a part
 * fails to render (a template that slipped past the check is a bug).
 */
export function renderMail(template: MailTemplate, context: object): RenderedMail {
  return {
    subject: oneLine(renderPart(plain, template.subject, context)),
    text: renderPart(plain, template.text, context).trim() + '\n',
    html: renderPart(html, template.html, context).trim() + '\n',
  };
}

// Parsed templates by source: pure memoisation of immutable input, so a module-level map. Most
// sources are the modules' default copy; the renewal sweep renders a receipt per renewal, and
// parsing was most of that cost. Publisher copy and previews bring sources of their own, so the
// map keeps the most recently used `parsedLimit` and forgets the rest (a replaced source soon
// falls out of it).
const parsedLimit = 256;
const parsed = new Map<string, ReturnType<Liquid['parse']>>();
function renderPart(liquid: Liquid, source: string, context: object): string {
  const key = `${liquid === html ? 'html' : 'plain'}:${source}`;
  let templates = parsed.get(key);
  if (templates) {
    // Most recently used last: a Map iterates in insertion order.
    parsed.delete(key);
  } else {
    templates = liquid.parse(source);
    if (parsed.size >= parsedLimit) parsed.delete(parsed.keys().next().value as string);
  }
  parsed.set(key, templates);
  return liquid.renderSync(templates, context) as string;
}

/** How many parsed parts the memo holds (never more than its limit). */
export const parsedPartCount = (): number => parsed.size;

/**
 * A message of one kind rendered twice: as it is sent, and as the delivery log keeps it
 * (secrets withheld).
 */
export function composeMail<V extends object>(
  kind: MailKind<V>,
  variables: V,
  publicationName: string,
  /** The publisher's copy of this kind, if any; else the kind's default copy. */
  template: MailTemplate = kind.copy,
): { readonly sent: RenderedMail; readonly logged: RenderedMail } {
  return {
    sent: renderMail(template, { ...variables, publication_name: publicationName }),
    logged: renderMail(template, { ...kind.forLog(variables), publication_name: publicationName }),
  };
}
