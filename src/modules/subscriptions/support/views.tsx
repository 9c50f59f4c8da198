import type { StaffPrincipal } from '../../../kernel/staff-access.js';
import { formatMoney } from '../../../kernel/money.js';
import { AdminShell, Notice, type AdminNavItem } from '../../../web/admin/shell.js';
import type { AccountView } from '../../accounts/index.js';
import type { ReaderFile } from './desk.js';

// The support desk's admin pages: the reader search, and one page per reader with support's forms.

interface Chrome {
  readonly principal: StaffPrincipal;
  readonly nav: readonly AdminNavItem[];
  readonly error?: string | undefined;
  readonly done?: string | undefined;
}

const day = (iso: string | null) => (iso === null ? '—' : iso.slice(0, 10));

export function ReaderSearchPage(
  props: Chrome & { readonly q: string; readonly readers: readonly AccountView[] | null },
) {
  return (
    <AdminShell title="Readers" principal={props.principal} nav={props.nav} current="/admin/readers">
      {props.error && <Notice kind="error">{props.error}</Notice>}
      {props.done && <Notice kind="done">{props.done}</Notice>}
      <form class="card" method="get" action="/admin/readers" role="search">
        <label for="q">Email, name or invoice number</label>
        <div class="row">
          <input id="q" name="q" type="search" value={props.q} maxLength={254} required />
          <button type="submit">Search</button>
        </div>
      </form>
      {props.readers !== null && props.readers.length === 0 && <p class="muted">No reader matches.</p>}
      {props.readers !== null && props.readers.length > 0 && (
        <table>
          <thead>
            <tr>
              <th>Name</th>
              <th>Email</th>
              <th>Verified</th>
              <th>Joined</th>
            </tr>
          </thead>
          <tbody>
            {props.readers.map((reader) => (
              <tr key={reader.id} data-reader={reader.id}>
                <td>
                  <a href={`/admin/readers/${reader.id}`}>{reader.name || reader.email}</a>
                </td>
                <td>{reader.email}</td>
                <td>{reader.emailVerified ? 'yes' : 'no'}</td>
                <td>{day(reader.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </AdminShell>
  );
}

export function ReaderPage(
  props: Chrome & {
    readonly file: ReaderFile;
    readonly plans: readonly { readonly id: string; readonly name: string }[];
    readonly benefits: readonly string[];
    readonly maxExtendDays: number;
    /** The credit note of the refund just made, for its link. */
    readonly creditNoteId?: string;
  },
) {
  const { account, billing, invoices, devices, reads } = props.file;
  const sub = billing.subscription;
  const live = sub !== null && sub.status !== 'expired';
  const base = `/admin/readers/${account.id}`;
  return (
    <AdminShell
      title={account.name || account.email}
      principal={props.principal}
      nav={props.nav}
      current="/admin/readers"
    >
      {props.error && <Notice kind="error">{props.error}</Notice>}
      {props.done && (
        <Notice kind="done">
          {props.done}
          {props.creditNoteId && (
            <>
              {' '}
              <a href={`/api/admin/v1/credit-notes/${props.creditNoteId}?format=html`}>
                Open the credit note
              </a>
            </>
          )}
        </Notice>
      )}
      <section class="card">
        <h2>Profile</h2>
        <dl>
          <dt>Email</dt>
          <dd>{account.email}</dd>
          <dt>Name</dt>
          <dd>{account.name || '—'}</dd>
          <dt>Verified</dt>
          <dd>{account.emailVerified ? 'yes' : 'no'}</dd>
          <dt>Joined</dt>
          <dd>{day(account.createdAt)}</dd>
          <dt>Id</dt>
          <dd>
            <code>{account.id}</code>
          </dd>
        </dl>
      </section>

      <section class="card">
        <h2>Subscription</h2>
        {sub === null ? (
          <p class="muted">Never subscribed.</p>
        ) : (
          <dl>
            <dt>Plan</dt>
            <dd>
              {sub.plan.name} ({sub.plan.termLabel})
            </dd>
            <dt>Status</dt>
            <dd data-status={sub.status}>{sub.status.replace('_', ' ')}</dd>
            <dt>Current term</dt>
            <dd>
              {day(sub.currentPeriodStart)} to {day(sub.currentPeriodEnd)}
            </dd>
            <dt>Renews</dt>
            <dd>{sub.renewal ? `${day(sub.renewal.at)}, ${formatMoney(sub.renewal.amount)}` : 'no'}</dd>
            {sub.endsAt && (
              <>
                <dt>Ends</dt>
                <dd>{day(sub.endsAt)}</dd>
              </>
            )}
          </dl>
        )}
        {live && (
          <div class="row">
            <form method="post" action={`${base}/extend`}>
              <label for="days-extend">Extend by (days, 1 to {props.maxExtendDays})</label>
              <div class="row">
                <input
                  id="days-extend"
                  name="days"
                  inputmode="numeric"
                  class="short"
                  required
                  pattern="[0-9]{1,3}"
                />
                <button type="submit">Extend</button>
              </div>
            </form>
            <form method="post" action={`${base}/cancel`}>
              <input type="hidden" name="when" value="period_end" />
              <button type="submit" class="secondary">
                Cancel at the end of the term
              </button>
            </form>
            <form method="post" action={`${base}/cancel`}>
              <input type="hidden" name="when" value="now" />
              <button type="submit" class="danger">
                Cancel now
              </button>
            </form>
          </div>
        )}
      </section>

      <section class="card">
        <h2>Comp</h2>
        {billing.comps.length > 0 && (
          <ul>
            {billing.comps.map((comp) => (
              <li key={comp.id}>
                {comp.benefits.join(', ')}: {day(comp.startsAt)} to {day(comp.endsAt)}{' '}
                <span class="muted">by {comp.grantedBy}</span>
              </li>
            ))}
          </ul>
        )}
        <form method="post" action={`${base}/comp`}>
          <label for="comp-plan">A plan's benefits</label>
          <select id="comp-plan" name="planId">
            <option value="">(none: only the benefits ticked)</option>
            {props.plans.map((plan) => (
              <option key={plan.id} value={plan.id}>
                {plan.name}
              </option>
            ))}
          </select>
          <fieldset class="choices">
            <legend>Or benefits</legend>
            {props.benefits.map((benefit) => (
              <label key={benefit} class="choice">
                <input type="checkbox" name="benefits" value={benefit} /> {benefit}
              </label>
            ))}
          </fieldset>
          <label for="comp-days">For (days)</label>
          <div class="row">
            <input
              id="comp-days"
              name="days"
              inputmode="numeric"
              class="short"
              required
              pattern="[0-9]{1,4}"
            />
            <button type="submit">Comp</button>
          </div>
        </form>
      </section>

      <section class="card">
        <h2>Payments</h2>
        {billing.payments.length === 0 ? (
          <p class="muted">No payments.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th>Date</th>
                <th>Kind</th>
                <th>Amount</th>
                <th>Status</th>
                <th>Refund</th>
              </tr>
            </thead>
            <tbody>
              {billing.payments.map((payment) => (
                <tr key={payment.id} data-payment={payment.id}>
                  <td>{day(payment.createdAt)}</td>
                  <td>{payment.kind}</td>
                  <td>
                    {formatMoney(payment.amount)}
                    {payment.refunded.amountMinor > 0 && payment.status !== 'refunded' && (
                      <span class="muted"> ({formatMoney(payment.refunded)} refunded)</span>
                    )}
                  </td>
                  <td>
                    {payment.status}
                    {payment.failureReason && <span class="muted"> ({payment.failureReason})</span>}
                  </td>
                  <td>
                    {payment.status === 'succeeded' && (
                      <form method="post" action={`${base}/payments/${payment.id}/refund`} class="row">
                        <label class="visually-hidden" for={`refund-${payment.id}`}>
                          Amount to refund of the payment of {formatMoney(payment.amount)}
                        </label>
                        <input
                          id={`refund-${payment.id}`}
                          name="amount"
                          inputmode="decimal"
                          class="short"
                          placeholder="all"
                          pattern="[0-9][0-9,]*(\.[0-9]{1,2})?"
                        />
                        <button type="submit" class="secondary">
                          Refund
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

      <section class="card">
        <h2>Invoices</h2>
        {invoices.length === 0 ? (
          <p class="muted">No invoices.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th>Number</th>
                <th>Issued</th>
                <th>Total</th>
                <th>
                  <span class="muted">Action</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {invoices.map((invoice) => (
                <tr key={invoice.id} data-invoice={invoice.id}>
                  <td>
                    <a href={`/api/v1/invoices/${invoice.id}?format=html`}>{invoice.number}</a>
                  </td>
                  <td>{day(invoice.issuedAt)}</td>
                  <td>{formatMoney(invoice.total)}</td>
                  <td>
                    <form method="post" action={`${base}/receipt`}>
                      <input type="hidden" name="invoiceId" value={invoice.id} />
                      <button type="submit" class="secondary">
                        Resend receipt
                      </button>
                    </form>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>

      <section class="card">
        <h2>Devices</h2>
        {devices.length === 0 ? (
          <p class="muted">Signed in nowhere.</p>
        ) : (
          <ul>
            {devices.map((device) => (
              <li key={device.id}>
                {device.device} ({device.kind}), last seen {day(device.lastSeenAt)}
              </li>
            ))}
          </ul>
        )}
        <form method="post" action={`${base}/sign-out`}>
          <button type="submit" class="secondary">
            Sign out every device
          </button>
        </form>
      </section>

      <section class="card">
        <h2>Meter</h2>
        <p>{reads.length} metered articles counted in the months the meter keeps.</p>
      </section>

      <section class="card">
        <h2>Event history</h2>
        {billing.events.length === 0 ? (
          <p class="muted">No subscription events.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th>When</th>
                <th>Event</th>
                <th>Status</th>
                <th>By</th>
              </tr>
            </thead>
            <tbody>
              {billing.events.map((event, index) => (
                <tr key={index}>
                  <td>{event.at.slice(0, 16).replace('T', ' ')}</td>
                  <td>{event.kind.replace(/_/g, ' ')}</td>
                  <td>
                    {event.from ?? '—'} → {event.to}
                  </td>
                  <td>{event.actor}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>

      <section class="card">
        <h2>Data</h2>
        <p>
          <a href={`${base}/export`} download>
            Download the reader's data (JSON)
          </a>
        </p>
        <form method="post" action={`${base}/delete`}>
          <p class="muted">
            Deleting ends every session and forgets the account, its meter reads and its mail. Payments and
            invoices are kept, as tax law requires. A subscription that still renews must be cancelled first.
          </p>
          <label class="choice">
            <input type="checkbox" name="confirm" value="yes" required /> Yes, delete this reader's account
          </label>
          <button type="submit" class="danger">
            Delete the account
          </button>
        </form>
      </section>
    </AdminShell>
  );
}
