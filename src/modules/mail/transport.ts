import { createTransport } from 'nodemailer';

/** A message ready to leave: rendered, addressed, with its sender. */
export interface OutgoingMail {
  readonly from: { readonly name: string; readonly address: string };
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  /**
   * Header lines beyond the ones a message always has (a newsletter's `List-Unsubscribe`).
   * Values are sent as given; a header nodemailer writes itself (From, To…) cannot be set here.
   */
  readonly headers?: Readonly<Record<string, string>>;
  /** `<id@host>`: set by a sender that must send the same message again under the same id. */
  readonly messageId?: string;
}

/** Hands a message to a mail server. Rejects when the server does not accept it. */
export interface MailTransport {
  deliver(mail: OutgoingMail): Promise<void>;
}

/**
 * SMTP through nodemailer, configured by a URL (`smtp://user:pass@host:587`,
 * `smtps://…:465`; nodemailer's query options such as `?pool=true` apply). Nothing of
 * nodemailer escapes this file.
 */
export function smtpTransport(url: string): MailTransport {
  const transporter = createTransport({
    url,
    // nodemailer waits minutes by default; a reader is waiting on the other side of this send.
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
  });
  return {
    async deliver(mail) {
      await transporter.sendMail({
        from: { name: mail.from.name, address: mail.from.address },
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
        ...(mail.headers && { headers: { ...mail.headers } }),
        ...(mail.messageId && { messageId: mail.messageId }),
      });
    },
  };
}
