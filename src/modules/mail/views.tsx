import type { ComponentChildren } from 'preact';
import type { MailRecord } from './service.js';

// A plain page rather than the site Layout: a developer's tool, needing nothing from the database
// but the messages. Preact escapes every value, the HTML part included (it goes into srcdoc).

function DevPage({ title, children }: { title: string; children: ComponentChildren }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="robots" content="noindex" />
        <title>{title}</title>
        <link rel="stylesheet" href="/assets/site.css" />
      </head>
      <body>
        <main>{children}</main>
      </body>
    </html>
  );
}

function status(message: MailRecord): string {
  if (message.sentAt) return `sent ${message.sentAt}`;
  if (message.error) return `failed: ${message.error}`;
  return 'in the outbox (not sent)';
}

export function OutboxListPage({ messages }: { messages: readonly MailRecord[] }) {
  return (
    <DevPage title="Outbox">
      <h1>Outbox</h1>
      <p>
        Mail Masthead would send, newest first. Without <code>SMTP_URL</code> it stays here; with it, this is
        the log of what was sent (one-time links withheld). This page exists outside production only.
      </p>
      {messages.length === 0 ? (
        <p>No mail yet.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>created</th>
              <th>to</th>
              <th>subject</th>
              <th>template</th>
              <th>status</th>
            </tr>
          </thead>
          <tbody>
            {messages.map((message) => (
              <tr>
                <td>{message.createdAt}</td>
                <td>{message.to}</td>
                <td>
                  <a href={`/dev/outbox/${message.id}`}>{message.subject}</a>
                </td>
                <td>{message.template}</td>
                <td>{status(message)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </DevPage>
  );
}

export function OutboxMessagePage({ message }: { message: MailRecord }) {
  return (
    <DevPage title={message.subject}>
      <p>
        <a href="/dev/outbox">← Outbox</a>
      </p>
      <h1>{message.subject}</h1>
      <dl>
        <dt>To</dt>
        <dd>{message.to}</dd>
        <dt>Template</dt>
        <dd>{message.template}</dd>
        <dt>Created</dt>
        <dd>{message.createdAt}</dd>
        <dt>Status</dt>
        <dd>{status(message)}</dd>
      </dl>
      <h2>Text part</h2>
      <pre>{message.text}</pre>
      <h2>HTML part</h2>
      {/* An empty sandbox: no scripts, forms, plugins or navigation, and a unique origin. */}
      <iframe title="HTML part" sandbox="" srcdoc={message.html} width="100%" height="480" />
    </DevPage>
  );
}
