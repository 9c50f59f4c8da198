import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Database, MailOutboxRow } from '../../db/schema.js';
import type { Clock } from '../../kernel/clock.js';
import { AppError } from '../../kernel/errors.js';
import { newId } from '../../kernel/ids.js';
import type { PublicationService } from '../publication/index.js';
import type { JobHandler, JobQueue } from '../queue/index.js';
import {
  deleteMessagesTo,
  findMessage,
  insertMessage,
  listMessages,
  markDelivered,
  markUndelivered,
  messagesTo,
} from './queries.js';
import type { MailCopy } from './publisher-copy.js';
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
  /**
   * Renders a message for `queue`. It reads the database, so it is done before the caller's
   * transaction (on SQLite nothing else may use the connection while one is open). A message
   * carrying a one-time link cannot be queued: it would wait in the outbox in the clear.
   */
  prepare(message: MailMessage<M>): Promise<PreparedMail>;
  /**
   * Queues a prepared message in the caller's transaction `trx`, so it exists exactly when
   * what it announces does, with a `mail:deliver` job on the job queue: a worker delivers it
   * after the commit and, until the SMTP server takes it, tries again with growing waits.
   * Without SMTP it is kept in the outbox. Returns its id.
   */
  queue(trx: Kysely<Database>, mail: PreparedMail): Promise<string>;
}

/**
 * A message its module renders itself (a newsletter issue: HTML made from articles, which a
 * template's escaped variables cannot carry), with extra header lines and its own Message-ID.
 */
export interface ComposedMail {
  readonly to: string;
  /** What the outbox calls it (`newsletter-issue`). */
  readonly template: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly messageId?: string;
}

/** Sends mail its module composed; for bulk mail that keeps its own record of each delivery. */
export interface ComposedMailSender {
  /**
   * Delivers `mail` over SMTP when configured, without adding it to the delivery log: the
   * sender records each delivery itself (a newsletter send's deliveries), so 100,000 copies of
   * one issue do not fill the log. Without SMTP it is kept in the outbox, for `/dev/outbox`.
   * Throws `MailDeliveryError` when the SMTP server does not take it.
   */
  sendComposed(mail: ComposedMail): Promise<SentMail>;
}

/** A message rendered and addressed by `MailSender.prepare`, for `MailSender.queue`. */
export interface PreparedMail {
  readonly to: string;
  readonly template: string;
  readonly mail: RenderedMail;
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
export interface Mailer<M extends MailVariablesMap<M>> extends MailSender<M>, ComposedMailSender, MailLog {
  /** The job queue's handler that delivers queued mail (`mail:deliver`). */
  readonly handlers: readonly JobHandler<unknown>[];
}

/** The job that delivers one queued message. */
export const mailDeliveryJob = 'mail:deliver';
const deliveryPayload = z.object({ messageId: z.string().min(1) });

const recipient = z.email('expected an email address');

/**
 * Minutes after each failed delivery of a queued message before the next try; then it is given
 * up (about two days: long enough to outlast an SMTP outage, short enough to matter still).
 */
const retryMinutes = [1, 5, 15, 60, 180, 360, 720, 1440] as const;

export function createMailer<M extends MailVariablesMap<M>>(deps: {
  db: Kysely<Database>;
  /** Every template the app sends, each module's catalogue joined (`joinMailCatalogues`). */
  templates: MailCatalogue<M>;
  clock: Clock;
  publication: PublicationService;
  /** Where queued mail waits for its delivery. */
  jobs: JobQueue;
  /** Unset: mail is kept in the outbox, not sent. */
  smtpUrl?: string;
  /** Without a name, the publication's name is shown as the sender. */
  from: { readonly name?: string; readonly address: string };
  /** The publisher's copy, sent instead of a template's default when there is one. */
  copy?: Pick<MailCopy, 'override'>;
  /** Where a publisher's template that failed to render (and was replaced by the default) is reported. */
  warn?: (message: string) => void;
}): Mailer<M> {
  const { db, clock, publication, from, templates, jobs } = deps;
  const warn = deps.warn ?? ((message: string) => console.warn(message));

  /**
   * Renders a message with the publisher's copy of its template, or the default. A publisher's
   * template was checked when it was saved, but must never stop mail: if it fails to render
   * now, the default copy is sent and the failure reported.
   */
  async function compose<N extends keyof M & string>(message: MailMessageOf<M, N>, publicationName: string) {
    const kind = templates[message.template];
    const custom = await deps.copy?.override(message.template);
    if (custom) {
      try {
        return composeMail(kind, message.variables, publicationName, custom);
      } catch (error) {
        warn(
          `mail template "${message.template}": the publisher's copy failed to render, sent the default instead: ${
            error instanceof Error ? error.message : String(error)
          }`,
        );
      }
    }
    return composeMail(kind, message.variables, publicationName);
  }
  const transport: MailTransport | undefined = deps.smtpUrl ? smtpTransport(deps.smtpUrl) : undefined;

  return {
    async send(message) {
      const { to, template } = message;
      if (!recipient.safeParse(to).success) {
        throw new AppError('validation_failed', `to: expected an email address, not "${to}"`);
      }
      const { name: publicationName } = await publication.settings();
      const { sent: mail, logged } = await compose(message, publicationName);
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

    async sendComposed(composed) {
      const { to, template, subject, text, html, headers, messageId } = composed;
      if (!recipient.safeParse(to).success) {
        throw new AppError('validation_failed', `to: expected an email address, not "${to}"`);
      }
      const id = newId('msg');
      if (!transport) {
        await insertMessage(db, {
          id,
          to_address: to,
          template,
          subject,
          text_body: text,
          html_body: html,
          created_at: clock.now().toISOString(),
          sent_at: null,
          error: null,
        });
        return { id, delivery: 'outbox' };
      }
      const { name: publicationName } = await publication.settings();
      try {
        await transport.deliver({
          from: { name: from.name ?? publicationName, address: from.address },
          to,
          subject,
          text,
          html,
          ...(headers && { headers }),
          ...(messageId && { messageId }),
        });
      } catch (error) {
        throw new MailDeliveryError(id, error instanceof Error ? error : new Error(String(error)));
      }
      return { id, delivery: 'smtp' };
    },

    async prepare(message) {
      if (!recipient.safeParse(message.to).success) {
        throw new AppError('validation_failed', `to: expected an email address, not "${message.to}"`);
      }
      const { name: publicationName } = await publication.settings();
      const { sent, logged } = await compose(message, publicationName);
      if (sent.text !== logged.text || sent.html !== logged.html) {
        throw new Error(
          `Mail of template ${message.template} carries a one-time link: send it, do not queue it.`,
        );
      }
      return { to: message.to, template: message.template, mail: sent };
    },

    async queue(trx, prepared) {
      const id = newId('msg');
      const createdAt = clock.now().toISOString();
      await insertMessage(trx, {
        id,
        to_address: prepared.to,
        template: prepared.template,
        subject: prepared.mail.subject,
        text_body: prepared.mail.text,
        html_body: prepared.mail.html,
        created_at: createdAt,
        sent_at: null,
        error: null,
        deliver_after: null,
        attempts: 0,
      });
      // Without SMTP the outbox is where mail stays: nothing to deliver.
      if (transport) await jobs.enqueue(mailDeliveryJob, { messageId: id }, { trx, key: id });
      return id;
    },

    handlers: [
      {
        kind: mailDeliveryJob,
        parse: (payload) => deliveryPayload.parse(payload),
        maxAttempts: retryMinutes.length + 1,
        retryDelayMs: (attempt) => (retryMinutes[attempt - 1] ?? 1440) * 60_000,
        // One message: a minute is plenty, and a worker that died gives it up soon.
        leaseMs: 60_000,
        async run({ messageId }, context) {
          const row = await findMessage(db, messageId);
          // Forgotten with its reader's account, or delivered by a try whose settling was lost.
          if (!row || row.sent_at !== null || !transport) return;
          const { name: publicationName } = await publication.settings();
          try {
            await transport.deliver({
              from: { name: from.name ?? publicationName, address: from.address },
              to: row.to_address,
              subject: row.subject,
              text: row.text_body,
              html: row.html_body,
            });
          } catch (error) {
            await markUndelivered(db, row.id, {
              attempts: context.attempt,
              error: error instanceof Error ? error.message : String(error),
              deliver_after: null,
            });
            throw error;
          }
          await markDelivered(db, row.id, clock.now().toISOString(), context.attempt);
        },
      } satisfies JobHandler<z.infer<typeof deliveryPayload>>,
    ] as JobHandler<unknown>[],

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
