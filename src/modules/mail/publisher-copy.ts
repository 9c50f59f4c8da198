import { z } from 'zod';
import { AppError, notFound } from '../../kernel/errors.js';
import { strictLiquid } from '../../kernel/liquid.js';
import type { SettingsStore } from '../settings/index.js';
import {
  checkMailTemplate,
  mailVariablesOf,
  renderMail,
  type MailCatalogue,
  type MailKind,
  type MailTemplate,
  type MailVariablesMap,
  type RenderedMail,
} from './templates.js';

// The publisher's own copy of the mail templates: kept in the settings store under one key (so
// it is cached and changes reach every instance as other settings do), checked as it is saved.

/** The settings document of the publisher's mail copy: template name to template. */
export const mailCopySettingsKey = 'mail-copy';

/** Bounds for a posted template; the check gives the real refusals. */
export const MailTemplateInput = z
  .object({
    subject: z.string().max(1_000),
    text: z.string().max(100_000),
    html: z.string().max(200_000),
  })
  .strict();

// Read leniently: one entry this version cannot read is skipped, not the whole document.
const storedCopySchema = z.record(z.string(), z.unknown());

/** One template as the admin lists it. */
export interface MailTemplateSummary {
  readonly name: string;
  /** The module whose mail it is, as the admin groups it ("Accounts"). */
  readonly group: string;
  readonly description: string;
  /** What its parts may use. */
  readonly variables: readonly string[];
  /** Whether the publisher's copy replaces the default. */
  readonly customised: boolean;
}

export interface MailTemplateDetail extends MailTemplateSummary {
  /** The copy sent now: the publisher's, or the default. */
  readonly template: MailTemplate;
  readonly defaultTemplate: MailTemplate;
  /** The variables naming a link that each part must keep using (`link`, `account_link`). */
  readonly requiredLinks: { readonly text: readonly string[]; readonly html: readonly string[] };
}

/** The publisher's mail copy: listed, checked, previewed, saved and reset. */
export interface MailCopy {
  list(): Promise<MailTemplateSummary[]>;
  /** Throws `not_found` for a name no module sends. */
  get(name: string): Promise<MailTemplateDetail>;
  /**
   * `template` rendered with each of the template's samples, without saving it. Throws
   * `invalid_template` naming the part and the problem, as saving it would.
   */
  preview(name: string, template: MailTemplate): Promise<RenderedMail[]>;
  /** Saves the publisher's copy of `name`, checked first; returns what it replaced (null: the default). */
  save(name: string, template: MailTemplate): Promise<{ before: MailTemplate | null; after: MailTemplate }>;
  /** Goes back to the default copy; returns what was removed (null: it was the default already). */
  reset(name: string): Promise<{ before: MailTemplate | null }>;
  /** The publisher's copy of `name`, if any: what the mailer sends instead of the default. */
  override(name: string): Promise<MailTemplate | undefined>;
}

/** The variables that name a link: a template must not drop one its default copy carries. */
const isLinkVariable = (name: string) => name === 'link' || name.endsWith('_link');

const plain = strictLiquid({ escapeHtml: false });
function variablesUsed(source: string): string[] {
  try {
    return plain.globalVariablesSync(plain.parse(source));
  } catch {
    return [];
  }
}

function requiredLinks(kind: MailKind<object>) {
  const linksIn = (source: string) => [...new Set(variablesUsed(source).filter(isLinkVariable))];
  return { text: linksIn(kind.copy.text), html: linksIn(kind.copy.html) };
}

/**
 * Checks a publisher's template: `checkMailTemplate`, and each link variable the default copy
 * uses in the text or the HTML part must still be used in that part, so no template drops the
 * link a mail exists to carry (a password reset without its link).
 */
export function checkPublisherTemplate(template: MailTemplate, kind: MailKind<object>): string | undefined {
  const check = checkMailTemplate(template, kind);
  if (!check.ok) return check.problem;
  const required = requiredLinks(kind);
  for (const part of ['text', 'html'] as const) {
    const used = variablesUsed(template[part]);
    const missing = required[part].filter((name) => !used.includes(name));
    if (missing.length > 0)
      return `${part}: must use ${missing.map((name) => `{{ ${name} }}`).join(', ')}, the link this mail carries`;
  }
  return undefined;
}

export function createMailCopy<M extends MailVariablesMap<M>>(deps: {
  settings: Pick<SettingsStore, 'read' | 'update'>;
  /** Every template the app sends (the mailer's catalogue). */
  templates: MailCatalogue<M>;
  /** How the admin groups the templates: by the module that sends them. */
  groups: readonly { readonly label: string; readonly names: readonly string[] }[];
  /** The publication's name, as previews show it. */
  publicationName: () => Promise<string>;
}): MailCopy {
  const { settings, groups } = deps;
  const templates = deps.templates as unknown as Readonly<Record<string, MailKind<object>>>;

  const kindOf = (name: string): MailKind<object> => {
    if (!Object.hasOwn(templates, name)) throw notFound(`Mail template ${name}`);
    return templates[name]!;
  };
  const groupOf = (name: string) => groups.find((g) => g.names.includes(name))?.label ?? 'Other';
  const raw = () => settings.read(mailCopySettingsKey, storedCopySchema);
  const entry = (copy: Readonly<Record<string, unknown>>, name: string): MailTemplate | undefined => {
    if (!Object.hasOwn(copy, name) || !Object.hasOwn(templates, name)) return undefined;
    const parsed = MailTemplateInput.safeParse(copy[name]);
    return parsed.success ? parsed.data : undefined;
  };

  function summary(name: string, copy: Readonly<Record<string, unknown>>): MailTemplateSummary {
    const kind = kindOf(name);
    return {
      name,
      group: groupOf(name),
      description: kind.description ?? name,
      variables: mailVariablesOf(kind),
      customised: entry(copy, name) !== undefined,
    };
  }

  function checked(name: string, template: MailTemplate): MailTemplate {
    const problem = checkPublisherTemplate(template, kindOf(name));
    if (problem !== undefined) throw new AppError('invalid_template', problem);
    return { subject: template.subject, text: template.text, html: template.html };
  }

  /** The stored document minus templates this version no longer sends or can no longer read. */
  /** The stored copy's readable entries: one this version cannot read is dropped on the next save. */
  function readable(copy: Readonly<Record<string, unknown>>): Record<string, MailTemplate> {
    return Object.fromEntries(
      Object.keys(copy).flatMap((name) => {
        const template = entry(copy, name);
        return template ? [[name, template] as const] : [];
      }),
    );
  }

  return {
    async list() {
      const copy = await raw();
      const order = groups.flatMap((g) => g.names);
      const names = [...order, ...Object.keys(templates).filter((name) => !order.includes(name))];
      return names.filter((name) => Object.hasOwn(templates, name)).map((name) => summary(name, copy));
    },

    async get(name) {
      const kind = kindOf(name);
      const copy = await raw();
      return {
        ...summary(name, copy),
        template: entry(copy, name) ?? kind.copy,
        defaultTemplate: kind.copy,
        requiredLinks: requiredLinks(kind),
      };
    },

    async preview(name, template) {
      const kind = kindOf(name);
      checked(name, template);
      const publicationName = await deps.publicationName();
      return kind.samples.map((sample) =>
        renderMail(template, { ...sample, publication_name: publicationName }),
      );
    },

    async save(name, template) {
      const after = checked(name, template);
      let before: MailTemplate | null = null;
      // One template changed in the shared document: a marketer saving another one meanwhile keeps theirs.
      await settings.update(mailCopySettingsKey, storedCopySchema, (stored) => {
        const copy = readable(stored);
        before = copy[name] ?? null;
        return { ...copy, [name]: after };
      });
      return { before, after };
    },

    async reset(name) {
      kindOf(name);
      let before: MailTemplate | null = null;
      await settings.update(mailCopySettingsKey, storedCopySchema, (stored) => {
        const { [name]: removed, ...rest } = readable(stored);
        before = removed ?? null;
        return removed === undefined ? undefined : rest;
      });
      return { before };
    },

    override: async (name) => entry(await raw(), name),
  };
}
