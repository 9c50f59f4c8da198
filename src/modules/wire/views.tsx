import { AdminShell, Notice, type AdminNavItem } from '../../web/admin/shell.js';
import type { StaffPrincipal } from '../../kernel/staff-access.js';
import { articleAccessLevels, type Section } from '../content/index.js';
import type { ImportSummary } from './service.js';

/** What the import forms hold, kept when an import is refused. */
export interface ImportForm {
  readonly url: string;
  readonly agency: string;
  readonly section: string;
  readonly access: string;
  readonly publish: boolean;
}

function CommonFields(props: { prefix: string; form: ImportForm; sections: readonly Section[] }) {
  const { prefix, form } = props;
  return (
    <>
      <label for={`${prefix}-agency`}>Agency</label>
      <input id={`${prefix}-agency`} name="agency" required maxLength={200} value={form.agency} />
      <label for={`${prefix}-section`}>Section</label>
      <select id={`${prefix}-section`} name="section">
        {props.sections.map((s) => (
          <option key={s.slug} value={s.slug} selected={form.section === s.slug}>
            {s.name}
          </option>
        ))}
      </select>
      <label for={`${prefix}-access`}>Access</label>
      <select id={`${prefix}-access`} name="access">
        {articleAccessLevels.map((level) => (
          <option key={level} value={level} selected={form.access === level}>
            {level}
          </option>
        ))}
      </select>
      <label class="check">
        <input type="checkbox" name="publish" value="true" checked={form.publish} /> Publish at once (else
        drafts)
      </label>
    </>
  );
}

export function WireImportPage(props: {
  principal: StaffPrincipal;
  nav: readonly AdminNavItem[];
  sections: readonly Section[];
  form: ImportForm;
  error?: string;
  result?: ImportSummary;
}) {
  const { result } = props;
  return (
    <AdminShell title="Wire import" principal={props.principal} nav={props.nav} current="/admin/wire">
      {props.error && <Notice kind="error">{props.error}</Notice>}
      {result && (
        <div class="card" aria-live="polite">
          <Notice kind="done">
            Imported {result.imported}, skipped {result.skipped} already imported, {result.failed.length}{' '}
            failed.
          </Notice>
          {result.failed.length > 0 && (
            <table>
              <thead>
                <tr>
                  <th>Item</th>
                  <th>Why it failed</th>
                </tr>
              </thead>
              <tbody>
                {result.failed.map((item) => (
                  <tr key={item.guid}>
                    <td>{item.title || item.guid}</td>
                    <td>{item.reason}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <p>
            <a href="/admin/articles">See the articles</a>
          </p>
        </div>
      )}
      {props.sections.length === 0 && (
        <Notice kind="error">There are no sections yet: create one under Sections first.</Notice>
      )}
      <p class="muted">
        RSS 2.0 and Atom feeds. Each item becomes a syndicated article naming the agency; an item imported
        before is skipped.
      </p>
      <div class="cards">
        <form class="card" method="post" action="/admin/wire/feed">
          <h2>From a feed address</h2>
          <label for="feed-url">Feed URL</label>
          <input id="feed-url" name="url" type="url" required maxLength={2000} value={props.form.url} />
          <CommonFields prefix="feed" form={props.form} sections={props.sections} />
          <button type="submit">Import feed</button>
        </form>
        <form class="card" method="post" action="/admin/wire/file" enctype="multipart/form-data">
          <h2>From a file</h2>
          <label for="file-file">Feed file (at most 5 MB)</label>
          <input
            id="file-file"
            name="file"
            type="file"
            required
            accept=".xml,.rss,.atom,application/xml,text/xml"
          />
          <CommonFields prefix="file" form={props.form} sections={props.sections} />
          <button type="submit">Import file</button>
        </form>
      </div>
    </AdminShell>
  );
}
