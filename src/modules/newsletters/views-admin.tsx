import { AdminShell, Notice, type AdminNavItem } from '../../web/admin/shell.js';
import type { StaffPrincipal } from '../../kernel/staff-access.js';
import type { IssueView, Newsletter } from './domain.js';

// The newsletters module's admin pages: every newsletter and defining one; a newsletter's issues
// and composing one; an issue with its preview, a test copy, sending or scheduling, and progress.

interface Common {
  readonly principal: StaffPrincipal;
  readonly nav: readonly AdminNavItem[];
  readonly error?: string | undefined;
  readonly done?: string | undefined;
}

/** An article an editor can pick, or that an issue picked. */
export interface PickableArticle {
  readonly id: string;
  readonly slug: string;
  readonly headline: string;
  readonly section: string;
  readonly publishedAt: string;
}

export interface DefineFormValues {
  readonly slug: string;
  readonly name: string;
  readonly description: string;
  readonly access: string;
}
export const emptyDefineForm: DefineFormValues = { slug: '', name: '', description: '', access: 'free' };

export interface ComposeFormValues {
  readonly subject: string;
  readonly intro: string;
  readonly articleIds: readonly string[];
  /** Ids or slugs typed one per line. */
  readonly articleRefs: string;
}
export const emptyComposeForm: ComposeFormValues = {
  subject: '',
  intro: '',
  articleIds: [],
  articleRefs: '',
};

export interface SendFormValues {
  readonly to: string;
  /** `YYYY-MM-DDTHH:mm` in the publication's time zone. */
  readonly sendAt: string;
}

const accessLabel = (access: string) => (access === 'free' ? 'free: anyone' : 'subscribers with newsletters');

function Flash(props: { readonly error?: string | undefined; readonly done?: string | undefined }) {
  return (
    <>
      {props.error && <Notice kind="error">{props.error}</Notice>}
      {props.done && <Notice kind="done">{props.done}</Notice>}
    </>
  );
}

const statusLabel: Record<IssueView['status'], string> = {
  draft: 'draft',
  scheduled: 'scheduled',
  sending: 'sending',
  sent: 'sent',
};

export function NewslettersPage(
  props: Common & {
    readonly newsletters: readonly Newsletter[];
    readonly subscribers: ReadonlyMap<string, number>;
    readonly form: DefineFormValues;
  },
) {
  const { form } = props;
  return (
    <AdminShell title="Newsletters" principal={props.principal} nav={props.nav} current="/admin/newsletters">
      <Flash error={props.error} done={props.done} />
      <table>
        <thead>
          <tr>
            <th>Newsletter</th>
            <th>Slug</th>
            <th>Who may subscribe</th>
            <th>Subscribers</th>
          </tr>
        </thead>
        <tbody>
          {props.newsletters.map((newsletter) => (
            <tr key={newsletter.id} data-newsletter={newsletter.slug}>
              <td>
                <a href={`/admin/newsletters/${newsletter.id}`}>{newsletter.name}</a>
              </td>
              <td>
                <code>{newsletter.slug}</code>
              </td>
              <td>{accessLabel(newsletter.access)}</td>
              <td data-subscribers={props.subscribers.get(newsletter.id) ?? 0}>
                {props.subscribers.get(newsletter.id) ?? 0}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {props.newsletters.length === 0 && <p class="muted">No newsletters yet.</p>}
      <form class="card" method="post" action="/admin/newsletters">
        <h2>New newsletter</h2>
        <label for="name">Name</label>
        <input id="name" name="name" required maxLength={120} value={form.name} class="wide" />
        <label for="slug">Slug (lower-case letters, digits and hyphens; it cannot change)</label>
        <input id="slug" name="slug" required maxLength={64} value={form.slug} placeholder="markets" />
        <label for="description">Description (what readers are told it is)</label>
        <textarea id="description" name="description" maxLength={1000} rows={3}>
          {form.description}
        </textarea>
        <label for="access">Who may subscribe</label>
        <select id="access" name="access">
          <option value="free" selected={form.access === 'free'}>
            anyone (free; sign-up by address too)
          </option>
          <option value="subscribers" selected={form.access === 'subscribers'}>
            subscribers whose plan includes newsletters
          </option>
        </select>
        <button type="submit">Create newsletter</button>
      </form>
    </AdminShell>
  );
}

export function NewsletterPage(
  props: Common & {
    readonly newsletter: Newsletter;
    readonly subscribers: number;
    readonly issues: readonly IssueView[];
    readonly recent: readonly PickableArticle[];
    readonly form: ComposeFormValues;
    readonly formatTime: (iso: string) => string;
  },
) {
  const { newsletter, form } = props;
  return (
    <AdminShell
      title={newsletter.name}
      principal={props.principal}
      nav={props.nav}
      current="/admin/newsletters"
    >
      <p>
        <a href="/admin/newsletters">All newsletters</a>
      </p>
      <Flash error={props.error} done={props.done} />
      <p>
        <code>{newsletter.slug}</code> · {accessLabel(newsletter.access)} ·{' '}
        <span data-subscribers={props.subscribers}>
          {props.subscribers} {props.subscribers === 1 ? 'subscriber' : 'subscribers'}
        </span>
      </p>
      {newsletter.description && <p class="muted">{newsletter.description}</p>}
      <h2>Issues</h2>
      <table>
        <thead>
          <tr>
            <th>Subject</th>
            <th>Status</th>
            <th>Composed</th>
            <th>Send time</th>
            <th>Sent</th>
            <th>Failed</th>
            <th>Remaining</th>
          </tr>
        </thead>
        <tbody>
          {props.issues.map((issue) => (
            <tr key={issue.id} data-issue={issue.id}>
              <td>
                <a href={`/admin/newsletter-issues/${issue.id}`}>{issue.subject}</a>
              </td>
              <td>
                <span class={`status status-${issue.status}`}>{statusLabel[issue.status]}</span>
              </td>
              <td>{props.formatTime(issue.createdAt)}</td>
              <td>{issue.sendAt ? props.formatTime(issue.sendAt) : '—'}</td>
              <td>{issue.sent}</td>
              <td>{issue.failed}</td>
              <td>{issue.remaining}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {props.issues.length === 0 && <p class="muted">No issues yet.</p>}
      <form class="card" method="post" action={`/admin/newsletters/${newsletter.id}/issues`}>
        <h2>Compose an issue</h2>
        <p class="muted">
          It is saved as a draft: preview it, send yourself a test copy, then send or schedule it.
        </p>
        <label for="subject">Subject</label>
        <input id="subject" name="subject" required maxLength={200} value={form.subject} class="wide" />
        <label for="intro">Introduction (plain text; a blank line starts a new paragraph)</label>
        <textarea id="intro" name="intro" required maxLength={5000} rows={6}>
          {form.intro}
        </textarea>
        <fieldset class="choices">
          <legend>Articles: recent published ones (in this order)</legend>
          {props.recent.map((article) => (
            <label key={article.id} class="choice">
              <input
                type="checkbox"
                name="articleIds"
                value={article.id}
                checked={form.articleIds.includes(article.id)}
              />{' '}
              {article.headline}{' '}
              <span class="muted">
                ({article.section}, {props.formatTime(article.publishedAt)})
              </span>
            </label>
          ))}
          {props.recent.length === 0 && <p class="muted">No published articles yet.</p>}
        </fieldset>
        <label for="articleRefs">
          More articles, after the ticked ones: their ids (<code>art_…</code>) or slugs, one per line
        </label>
        <textarea id="articleRefs" name="articleRefs" rows={3} class="short" spellcheck={false}>
          {form.articleRefs}
        </textarea>
        <button type="submit">Save the draft</button>
      </form>
    </AdminShell>
  );
}

export function NewsletterIssuePage(
  props: Common & {
    readonly newsletter: Newsletter;
    readonly issue: IssueView;
    readonly articles: readonly (PickableArticle | { readonly id: string; readonly missing: true })[];
    readonly preview: { readonly subject: string; readonly html: string };
    readonly form: SendFormValues;
    readonly timeZone: string;
    readonly formatTime: (iso: string) => string;
  },
) {
  const { issue, newsletter, form } = props;
  return (
    <AdminShell
      title={issue.subject}
      principal={props.principal}
      nav={props.nav}
      current="/admin/newsletters"
    >
      <p>
        <a href={`/admin/newsletters/${newsletter.id}`}>{newsletter.name}</a>
      </p>
      <Flash error={props.error} done={props.done} />
      <section class="card" aria-labelledby="progress">
        <h2 id="progress">Status and progress</h2>
        <p>
          <span class={`status status-${issue.status}`} data-status={issue.status}>
            {statusLabel[issue.status]}
          </span>
          {issue.sendAt && issue.status === 'scheduled' && <> — goes out {props.formatTime(issue.sendAt)}</>}
          {issue.finishedAt && <> — finished {props.formatTime(issue.finishedAt)}</>}
        </p>
        <p data-progress>
          Sent: <strong data-sent={issue.sent}>{issue.sent}</strong> · Failed:{' '}
          <strong data-failed={issue.failed}>{issue.failed}</strong> · Remaining:{' '}
          <strong data-remaining={issue.remaining}>{issue.remaining}</strong>
        </p>
        {issue.status !== 'draft' && issue.status !== 'sent' && (
          <p class="muted">Reload the page to see the send go on; it runs in the background.</p>
        )}
      </section>
      <h2>Articles</h2>
      <ol>
        {props.articles.map((article) =>
          'missing' in article ? (
            <li key={article.id}>
              <code>{article.id}</code> <span class="muted">(no longer published: left out of the mail)</span>
            </li>
          ) : (
            <li key={article.id}>
              {article.headline} <span class="muted">({article.section})</span>
            </li>
          ),
        )}
      </ol>
      <div class="split">
        <div>
          <form class="card" method="post" action={`/admin/newsletter-issues/${issue.id}/test`}>
            <h2>Send a test copy</h2>
            <p class="muted">One copy, its subject marked [Test]; no subscriber gets it.</p>
            <label for="to">To</label>
            <input id="to" name="to" type="email" required maxLength={254} value={form.to} class="wide" />
            <button type="submit" class="secondary">
              Send the test copy
            </button>
          </form>
          {issue.status === 'draft' && (
            <form class="card" method="post" action={`/admin/newsletter-issues/${issue.id}/send`}>
              <h2>Send to subscribers</h2>
              <label for="sendAt">Send at (time in {props.timeZone}; empty for now)</label>
              <input id="sendAt" name="sendAt" type="datetime-local" value={form.sendAt} />
              <div class="buttons">
                <button type="submit" name="when" value="now">
                  Send now
                </button>
                <button type="submit" name="when" value="later" class="secondary">
                  Schedule
                </button>
              </div>
            </form>
          )}
        </div>
        <section aria-labelledby="preview">
          <h2 id="preview">Preview</h2>
          <p class="muted">
            Subject: <strong>{props.preview.subject}</strong>
          </p>
          {/* An empty sandbox: the mail's HTML runs no script and has an origin of its own. */}
          <iframe
            title="Preview of the issue"
            sandbox=""
            srcdoc={props.preview.html}
            width="100%"
            height="640"
          />
        </section>
      </div>
    </AdminShell>
  );
}
