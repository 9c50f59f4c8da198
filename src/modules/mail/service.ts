import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Database, MailOutboxRow } from '../../db/schema.js';
import type { Clock } from '../../kernel/clock.js';
import { AppError } from '../../kernel/errors.js';
import { newId } from '../../kernel/ids.js';
import type { PublicationService } from '../publication/index.js';
import { findMessage, insertMessage, listMessages, messagesTo, deleteMessagesTo } from './queries.js';
import { composeMail, type MailCatalogue, type MailVariablesMap, type RenderedMail } from './templates.js';
import { smtpTransport, type MailTransport } from './transport.js';

/**
 * A message of template `N` of catalogue `M` to send: who to, and that template's variables.
 * `M` maps template names to their variables, as in `MailCatalogue`.
 */
export interface MailMessageOf<M extends MailVariablesMap<M>, N extends keyof M & string> {
  readonly to: string;
  readonly template: N;
  readonly variables: M[N];
}

/** A message to send: who to, which template of `M`, and the variables of that template. */
export type MailMessage<M extends MailVariablesMap<M>> = {
  [N in keyof M & string]: MailMessageOf<M, N>;
}[keyof M & string];

/** How a message left: handed to the SMTP server, or kept in the outbox (no SMTP_URL). */
export interface SentMail {
  readonly id: string;
  readonly delivery: 'smtp' | 'outbox';
}

/** A message in the outbox or the delivery log. */
export interface MailRecord {
  readonly id: string;
  readonly to: string;
  readonly template: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  readonly createdAt: string;
  /** When the SMTP server accepted it; null for a message only kept in the outbox, or failed. */
  readonly sentAt: string | null;
  /** Why the SMTP server did not accept it. */
  readonly error: string | null;
}

/** The SMTP server did not take the message (down, refusing, misconfigured); it was logged. */
export class MailDeliveryError extends Error {
  constructor(
    readonly mailId: string,
    cause: Error,
  ) {
    super(`Mail ${mailId} could not be delivered: ${cause.message}`, { cause });
    this.name = 'MailDeliveryError';
  }
}

/**
 * What a module that sends mail needs: a way to send its own templates (`M`, its catalogue's
 * variables). A mailer built with more templates is one of these for each module's part.
 */
export interface MailSender<M extends MailVariablesMap<M>> {
  /**
   * Renders `template` with `variables` (and the publication's name) and delivers it: over
   * SMTP when configured — logged with `sentAt`, a one-time link withheld — or else into the
   * outbox.
   * Throws `MailDeliveryError` when the SMTP server does not take it (the failure is logged).
   */
  send(message: MailMessage<M>): Promise<SentMail>;
}

/** What was sent: the outbox and the delivery log. */
export interface MailLog {
  /** The outbox and delivery log, newest first. */
  list(options?: { limit?: number }): Promise<MailRecord[]>;
  get(id: string): Promise<MailRecord | undefined>;
  /** Every message kept for `address`: part of what a reader may download about themselves. */
  sentTo(address: string): Promise<MailRecord[]>;
  /** Deletes every message kept for `address` (a deleted account); returns how many. */
  forget(address: string): Promise<number>;
}

/** Sends the mail of catalogue `M` to readers, and shows what was sent. */
export interface Mailer<M extends MailVariablesMap<M>> extends MailSender<M>, MailLog {}

const recipient = z.email('expected an email address');

export function createMailer<M extends MailVariablesMap<M>>(deps: {
  db: Kysely<Database>;
  /** Every template the app sends, each module's catalogue joined (`joinMailCatalogues`). */
  templates: MailCatalogue<M>;
  clock: Clock;
  publication: PublicationService;
  /** Unset: mail is kept in the outbox, not sent. */
  smtpUrl?: string;
  /** Without a name, the publication's name is shown as the sender. */
  from: { readonly name?: string; readonly address: string };
}): Mailer<M> {
  const { db, clock, publication, from, templates } = deps;
  const transport: MailTransport | undefined = deps.smtpUrl ? smtpTransport(deps.smtpUrl) : undefined;

  return {
    async send(message) {
      const { to, template } = message;
      if (!recipient.safeParse(to).success) {
        throw new AppError('validation_failed', `to: expected an email address, not "${to}"`);
      }
      const { name: publicationName } = await publication.settings();
      const { sent: mail, logged } = compose(templates, message, publicationName);
      const id = newId('msg');
      const createdAt = clock.now().toISOString();
      const record = (parts: RenderedMail, outcome: { sent_at: string | null; error: string | null }) =>
        insertMessage(db, {
          id,
          to_address: to,
          template,
          subject: parts.subject,
          text_body: parts.text,
          html_body: parts.html,
          created_at: createdAt,
          ...outcome,
        });

      if (!transport) {
        await record(mail, { sent_at: null, error: null });
        return { id, delivery: 'outbox' };
      }

      let failure: Error | undefined;
      try {
        await transport.deliver({
          from: { name: from.name ?? publicationName, address: from.address },
          to,
          ...mail,
        });
      } catch (error) {
        failure = error instanceof Error ? error : new Error(String(error));
      }
      // The log shows support what was sent, but whoever reads the database must not be able to
      // use a reader's one-time link: it is rendered again without it.
      await record(logged, {
        sent_at: failure ? null : clock.now().toISOString(),
        error: failure ? failure.message : null,
      });
      if (failure) throw new MailDeliveryError(id, failure);
      return { id, delivery: 'smtp' };
    },

    async list(options = {}) {
      return (await listMessages(db, options.limit ?? 100)).map(toRecord);
    },

    async get(id) {
      const row = await findMessage(db, id);
      return row && toRecord(row);
    },

    sentTo: async (address) => (await messagesTo(db, address)).map(toRecord),
    forget: (address) => deleteMessagesTo(db, address),
  };
}

/** Renders a message of any template; generic so its variables stay tied to its template. */
function compose<M extends MailVariablesMap<M>, N extends keyof M & string>(
  templates: MailCatalogue<M>,
  message: MailMessageOf<M, N>,
  publicationName: string,
) {
  return composeMail(templates[message.template], message.variables, publicationName);
}

function toRecord(row: MailOutboxRow): MailRecord {
  return {
    id: row.id,
    to: row.to_address,
    template: row.template,
    subject: row.subject,
    text: row.text_body,
    html: row.html_body,
    createdAt: row.created_at,
    sentAt: row.sent_at,
    error: row.error,
  };
}
