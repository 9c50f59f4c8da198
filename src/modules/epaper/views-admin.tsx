import type { StaffPrincipal } from '../../kernel/staff-access.js';
import { AdminShell, Notice, type AdminNavItem } from '../../web/admin/shell.js';
import type { Edition, EditionStatus } from './domain.js';

// The e-paper module's admin page: upload the day's editions and follow their processing.

/** The upload form as typed, kept when it is refused (a browser cannot be given the file back). */
export interface EditionFormValues {
  readonly date: string;
  readonly name: string;
}

const statusWords: Record<EditionStatus, string> = {
  queued: 'Waiting to be processed',
  processing: 'Processing',
  ready: 'Ready: readers can open it',
  failed: 'Failed',
};

const megabytes = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

function Progress({ edition }: { edition: Edition }) {
  if (edition.status === 'failed') return <span>{edition.error ?? 'The PDF could not be processed.'}</span>;
  if (edition.pageCount === null) return <span class="muted">—</span>;
  if (edition.status === 'ready') return <span>{edition.pageCount} pages</span>;
  return (
    <span>
      <progress
        max={edition.pageCount}
        value={edition.pagesDone}
        aria-label={`Pages drawn of ${edition.name}`}
      />{' '}
      {edition.pagesDone} of {edition.pageCount} pages
    </span>
  );
}

export function EpaperAdminPage(props: {
  readonly principal: StaffPrincipal;
  readonly nav: readonly AdminNavItem[];
  readonly editions: readonly Edition[];
  readonly form: EditionFormValues;
  readonly maxBytes: number;
  readonly error?: string | undefined;
  readonly done?: string | undefined;
}) {
  const { form } = props;
  const working = props.editions.some((e) => e.status === 'queued' || e.status === 'processing');
  return (
    <AdminShell title="E-paper" principal={props.principal} nav={props.nav} current="/admin/epaper">
      {props.error && <Notice kind="error">{props.error}</Notice>}
      {props.done && <Notice kind="done">{props.done}</Notice>}
      <form class="card" method="post" action="/admin/epaper" enctype="multipart/form-data">
        <h2>Upload an edition</h2>
        <p class="muted">
          The day's PDF for one edition. Its pages are drawn in the background; readers with the e-paper see
          the edition once it is ready.
        </p>
        <label for="edition-date">Date</label>
        <input id="edition-date" name="date" type="date" required value={form.date} />
        <label for="edition-name">Edition</label>
        <input id="edition-name" name="name" required maxLength={60} placeholder="Mumbai" value={form.name} />
        <label for="edition-file">PDF (at most {megabytes(props.maxBytes)})</label>
        <input id="edition-file" name="file" type="file" required accept=".pdf,application/pdf" />
        <button type="submit">Upload</button>
      </form>

      <section class="card">
        <h2>Editions</h2>
        {working && (
          <p>
            Some editions are still being processed. <a href="/admin/epaper">Refresh</a> to see how far.
          </p>
        )}
        {props.editions.length === 0 ? (
          <p class="muted">No editions yet.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th>Date</th>
                <th>Edition</th>
                <th>Status</th>
                <th>Pages</th>
                <th>File</th>
              </tr>
            </thead>
            <tbody>
              {props.editions.map((edition) => (
                <tr key={edition.id} data-edition={edition.id} data-status={edition.status}>
                  <td>{edition.date}</td>
                  <td>
                    {edition.status === 'ready' ? (
                      <a href={`/epaper/${edition.id}`}>{edition.name}</a>
                    ) : (
                      edition.name
                    )}
                  </td>
                  <td>{statusWords[edition.status]}</td>
                  <td>
                    <Progress edition={edition} />
                  </td>
                  <td>{megabytes(edition.fileBytes)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </AdminShell>
  );
}
