import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  readonly envelopeTo: string[];
  readonly mail: ParsedMail;
}

export type TestSmtpServer = Awaited<ReturnType<typeof startSmtpServer>>;

/**
 * A real SMTP server on a free local port that accepts `user`/`secret` and keeps what it
 * receives, parsed. A message is in `received` before the server accepts it, so once the
 * sender's `send` has resolved it is there.
 */
export async function startSmtpServer() {
  const received: ReceivedMail[] = [];
  let refuse = false;
  const refused = new Set<string>();
  const server = new SMTPServer({
    logger: false,
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    onAuth(auth, _session, callback) {
      if (auth.username === 'user' && auth.password === 'secret') callback(null, { user: auth.username });
      else callback(new Error('Invalid username or password'));
    },
    onRcptTo(address, _session, callback) {
      const no = refuse || refused.has(address.address.toLowerCase());
      callback(no ? Object.assign(new Error('Mailbox unavailable'), { responseCode: 550 }) : undefined);
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        simpleParser(Buffer.concat(chunks)).then(
          (mail) => {
            received.push({ envelopeTo: session.envelope.rcptTo.map((r) => r.address), mail });
            callback();
          },
          (error: Error) => callback(error),
        );
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    port,
    /** `SMTP_URL` for a test app that sends here. */
    url: `smtp://user:secret@127.0.0.1:${port}`,
    received,
    /** The mail received for `address`, oldest first. */
    mailTo: (address: string) => received.filter((r) => r.envelopeTo.includes(address)).map((r) => r.mail),
    refuseRecipients(value: boolean) {
      refuse = value;
    },
    /** Refuses mail to `address` alone (a mailbox that no longer exists), until `false`. */
    refuseRecipient(address: string, value = true) {
      if (value) refused.add(address.toLowerCase());
      else refused.delete(address.toLowerCase());
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
