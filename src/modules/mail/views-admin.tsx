import { AdminShell, Notice, type AdminNavItem } from '../../web/admin/shell.js';
import type { StaffPrincipal } from '../../kernel/staff-access.js';
import type { MailTemplateDetail, MailTemplateSummary } from './publisher-copy.js';
import type { MailTemplate, RenderedMail } from './templates.js';

// The admin's mail copy pages: the templates by module, and one template's copy with a
// preview rendered for each of its samples.

interface Shell {
  readonly principal: StaffPrincipal;
  readonly nav: readonly AdminNavItem[];
}

export function MailTemplateListPage(props: Shell & { readonly templates: readonly MailTemplateSummary[] }) {
  const groups = [...new Set(props.templates.map((t) => t.group))];
  return (
    <AdminShell title="Mail copy" principal={props.principal} nav={props.nav} current="/admin/mail">
      <p class="muted">
        The mail readers and staff receive, by the part of Masthead that sends it. A template you have not
        changed sends the default copy.
      </p>
      {groups.map((group) => (
        <section class="card" key={group}>
          <h2>{group}</h2>
          <table>
            <thead>
              <tr>
                <th scope="col">Template</th>
                <th scope="col">What it is</th>
                <th scope="col">Copy</th>
              </tr>
            </thead>
            <tbody>
              {props.templates
                .filter((t) => t.group === group)
                .map((t) => (
                  <tr key={t.name} data-template={t.name}>
                    <td>
                      <a href={`/admin/mail/${t.name}`}>{t.name}</a>
                    </td>
                    <td>{t.description}</td>
                    <td>{t.customised ? 'Customised' : 'Default'}</td>
                  </tr>
                ))}
            </tbody>
          </table>
        </section>
      ))}
    </AdminShell>
  );
}

/** Each sample's rendering; the HTML part in a sandboxed frame, where no script of it runs. */
export function MailPreview(props: {
  readonly samples?: readonly RenderedMail[];
  readonly draft: boolean;
  readonly error?: string;
}) {
  return (
    <div id="mail-preview" class="preview-panel" aria-live="polite">
      <h2>Preview</h2>
      {props.error ? (
        <Notice kind="error">Cannot preview this copy: {props.error}</Notice>
      ) : (
        <p class="muted">
          {props.draft ? 'The copy in the form, not saved yet.' : 'The copy sent now.'} One rendering for each
          sample reader.
        </p>
      )}
      {props.samples?.map((mail, index) => (
        <section class="preview-state" key={index} data-sample={index + 1}>
          <h3>Sample {index + 1}</h3>
          <p>
            <strong>Subject:</strong> {mail.subject}
          </p>
          <pre class="mail-text">{mail.text}</pre>
          <iframe
            title={`HTML part, sample ${index + 1}`}
            sandbox=""
            referrerpolicy="no-referrer"
            srcdoc={mail.html}
            class="mail-html"
            width="100%"
            height="320"
          />
        </section>
      ))}
    </div>
  );
}

export function MailTemplatePage(
  props: Shell & {
    readonly detail: MailTemplateDetail;
    readonly values: MailTemplate;
    readonly samples?: readonly RenderedMail[];
    readonly draft: boolean;
    readonly previewError?: string;
    readonly error?: string;
    readonly done?: string;
  },
) {
  const { detail, values } = props;
  const links = [...new Set([...detail.requiredLinks.text, ...detail.requiredLinks.html])];
  return (
    <AdminShell
      title={`Mail: ${detail.name}`}
      principal={props.principal}
      nav={props.nav}
      current="/admin/mail"
    >
      <p>
        <a href="/admin/mail">All mail templates</a>
      </p>
      {props.error && <Notice kind="error">Not saved: {props.error}</Notice>}
      {props.done && <Notice kind="done">{props.done}</Notice>}
      <p class="muted">
        {detail.description} · {detail.group} · {detail.customised ? 'customised copy' : 'default copy'}
      </p>
      <div class="split">
        <form
          id="mail-form"
          class="card"
          method="post"
          action={`/admin/mail/${detail.name}`}
          data-preview={`/admin/mail/${detail.name}/preview`}
          data-preview-panel="mail-preview"
        >
          <label for="subject">Subject</label>
          <input id="subject" name="subject" value={values.subject} spellcheck={false} />
          <label for="text">Text part</label>
          <textarea id="text" name="text" rows={14} spellcheck={false} value={values.text} />
          <label for="html">HTML part</label>
          <textarea id="html" name="html" rows={14} spellcheck={false} value={values.html} />
          <p class="muted hint">
            Copy is Liquid. Variables: {detail.variables.map((v) => `{{ ${v} }}`).join(', ')}. Every variable
            is escaped in the HTML part. A template with an unknown variable, or that fails to render for a
            sample reader, is refused.
            {links.length > 0 &&
              ` This mail exists to carry ${links.map((v) => `{{ ${v} }}`).join(', ')}: the text and HTML parts must keep using it.`}
          </p>
          <div class="actions">
            <button type="submit" name="intent" value="preview" class="secondary">
              Preview
            </button>
            <button type="submit" name="intent" value="save">
              Save
            </button>
          </div>
        </form>
        <MailPreview
          samples={props.samples}
          draft={props.draft}
          {...(props.previewError !== undefined && { error: props.previewError })}
        />
      </div>
      {detail.customised && (
        <form method="post" action={`/admin/mail/${detail.name}`} class="card">
          <p>Go back to the default copy; yours is removed.</p>
          <button type="submit" name="intent" value="reset" class="secondary">
            Reset to the default
          </button>
        </form>
      )}
      <script src="/assets/admin-live-preview.js" defer />
    </AdminShell>
  );
}
