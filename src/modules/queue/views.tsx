import type { StaffPrincipal } from '../../kernel/staff-access.js';
import { AdminShell, Notice, type AdminNavItem } from '../../web/admin/shell.js';
import type { JobStatus, JobView } from './types.js';

// The queue module's admin page: what the background work is doing, and a retry for a dead job.

export const jobStatuses: readonly JobStatus[] = ['queued', 'running', 'done', 'dead'];

const statusWords: Record<JobStatus, string> = {
  queued: 'Waiting',
  running: 'Running',
  done: 'Done',
  dead: 'Dead (tries used up)',
};

/** `YYYY-MM-DD HH:MM` UTC: the queue's times are operators' times, compared with the logs. */
const when = (iso: string | null) => (iso === null ? '—' : `${iso.slice(0, 16).replace('T', ' ')} UTC`);

export function JobsPage(props: {
  readonly principal: StaffPrincipal;
  readonly nav: readonly AdminNavItem[];
  readonly jobs: readonly JobView[];
  readonly counts: readonly { kind: string; status: JobStatus; count: number }[];
  readonly filter: { readonly status?: JobStatus | undefined; readonly kind?: string | undefined };
  readonly error?: string | undefined;
  readonly done?: string | undefined;
}) {
  const kinds = [...new Set(props.counts.map((c) => c.kind))].sort();
  const count = (kind: string, status: JobStatus) =>
    props.counts.find((c) => c.kind === kind && c.status === status)?.count ?? 0;
  const link = (filter: { status?: JobStatus; kind?: string }) => {
    const query = new URLSearchParams(filter as Record<string, string>).toString();
    return query ? `/admin/jobs?${query}` : '/admin/jobs';
  };
  return (
    <AdminShell title="Job queue" principal={props.principal} nav={props.nav} current="/admin/jobs">
      {props.error && <Notice kind="error">{props.error}</Notice>}
      {props.done && <Notice kind="done">{props.done}</Notice>}
      <p class="muted">
        Background work: mail deliveries, newsletter sends, e-paper pages. A failed try is retried with
        backoff; a job whose tries are used up is dead until someone retries it here.
      </p>
      <section class="card">
        <h2>By kind</h2>
        {kinds.length === 0 ? (
          <p class="muted">No jobs yet.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th>Kind</th>
                {jobStatuses.map((status) => (
                  <th key={status}>{statusWords[status]}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {kinds.map((kind) => (
                <tr key={kind} data-kind={kind}>
                  <td>
                    <a href={link({ kind })}>{kind}</a>
                  </td>
                  {jobStatuses.map((status) => (
                    <td key={status} data-status={status}>
                      {count(kind, status) > 0 ? (
                        <a href={link({ kind, status })}>{count(kind, status)}</a>
                      ) : (
                        <span class="muted">0</span>
                      )}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <section class="card">
        <h2>Latest jobs</h2>
        <form method="get" action="/admin/jobs" class="row">
          <label for="jobs-status">State</label>
          <select id="jobs-status" name="status">
            <option value="">Any</option>
            {jobStatuses.map((status) => (
              <option key={status} value={status} selected={props.filter.status === status}>
                {statusWords[status]}
              </option>
            ))}
          </select>
          <label for="jobs-kind">Kind</label>
          <select id="jobs-kind" name="kind">
            <option value="">Any</option>
            {kinds.map((kind) => (
              <option key={kind} value={kind} selected={props.filter.kind === kind}>
                {kind}
              </option>
            ))}
          </select>
          <button type="submit" class="secondary">
            Show
          </button>
        </form>
        {props.jobs.length === 0 ? (
          <p class="muted">No jobs match.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th>Job</th>
                <th>Kind</th>
                <th>State</th>
                <th>Tries</th>
                <th>Progress</th>
                <th>Due or finished</th>
                <th>Last error</th>
                <th>
                  <span class="muted">Action</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {props.jobs.map((job) => (
                <tr key={job.id} data-job={job.id} data-status={job.status}>
                  <td>
                    <code>{job.id}</code>
                  </td>
                  <td>{job.kind}</td>
                  <td>{statusWords[job.status]}</td>
                  <td>
                    {job.attempts} of {job.maxAttempts}
                  </td>
                  <td>
                    {job.progress ? (
                      <span>
                        {job.progress.done} of {job.progress.total}
                        {job.progress.note && <span class="muted"> ({job.progress.note})</span>}
                      </span>
                    ) : (
                      <span class="muted">—</span>
                    )}
                  </td>
                  <td>{when(job.finishedAt ?? job.runAfter)}</td>
                  <td>{job.lastError ?? <span class="muted">—</span>}</td>
                  <td>
                    {job.status === 'dead' && (
                      <form method="post" action={`/admin/jobs/${job.id}/retry`}>
                        <button type="submit" class="secondary">
                          Retry
                        </button>
                      </form>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </AdminShell>
  );
}
