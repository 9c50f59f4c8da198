import { formatMoney, isCurrency, money as moneyOf } from '../../kernel/money.js';
import type { StaffPrincipal } from '../../kernel/staff-access.js';
import { AdminShell, Notice, type AdminNavItem } from '../../web/admin/shell.js';
import type { Amount } from './domain.js';
import type { CsvTable, FiguresAnswer } from './service.js';

// The owner's analytics page: a range form, the figures, revenue by plan, top articles, the chart.

/** An amount as money; one in a currency Masthead does not know is shown in minor units. */
const money = (amount: Amount) =>
  isCurrency(amount.currency)
    ? formatMoney(moneyOf(amount.amount, amount.currency))
    : `${amount.amount} ${amount.currency} (minor units)`;
const percent = (rate: number | null) => (rate === null ? '—' : `${(rate * 100).toFixed(1)}%`);
const range = (from: string, to: string) => `from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`;
const csvHref = (table: CsvTable, from: string, to: string) =>
  `/api/admin/v1/analytics.csv?table=${table}&${range(from, to)}`;

function Figure(props: { readonly name: string; readonly figure: string; readonly value: string }) {
  return (
    <div class="card" data-figure={props.figure}>
      <h2>{props.name}</h2>
      <p class="figure">{props.value}</p>
    </div>
  );
}

export function AnalyticsPage(props: {
  readonly principal: StaffPrincipal;
  readonly nav: readonly AdminNavItem[];
  readonly from: string;
  readonly to: string;
  readonly figures: FiguresAnswer | null;
  readonly error?: string | undefined;
}) {
  const f = props.figures;
  return (
    <AdminShell title="Analytics" principal={props.principal} nav={props.nav} current="/admin/analytics">
      {props.error && <Notice kind="error">{props.error}</Notice>}
      <form class="card filters" method="get" action="/admin/analytics">
        <label>
          From <input name="from" type="date" value={props.from} required />
        </label>
        <label>
          To <input name="to" type="date" value={props.to} required />
        </label>
        <button type="submit">Show</button>
      </form>
      {f && (
        <>
          <p class="muted">
            Whole UTC days, {f.from} to {f.to}, both included.
          </p>
          <div class="cards">
            <Figure
              name="Paywall impressions"
              figure="paywallImpressions"
              value={String(f.paywallImpressions)}
            />
            <Figure
              name="Readers at the paywall"
              figure="readersAtPaywall"
              value={String(f.readersAtPaywall)}
            />
            <Figure name="Checkout starts" figure="checkoutsStarted" value={String(f.checkoutsStarted)} />
            <Figure name="New subscriptions" figure="newSubscriptions" value={String(f.newSubscriptions)} />
            <Figure name="Conversion rate" figure="conversionRate" value={percent(f.conversionRate)} />
            <Figure
              name="Active subscribers"
              figure="activeSubscribers"
              value={String(f.activeSubscribers)}
            />
            <Figure name="Cancellations" figure="cancellations" value={String(f.cancellations)} />
            <Figure name="Churn rate" figure="churnRate" value={percent(f.churnRate)} />
            <Figure name="MRR" figure="mrr" value={money(f.mrr)} />
            <Figure name="ARR" figure="arr" value={money(f.arr)} />
            {f.refunds && (
              <Figure
                name="Refunds"
                figure="refunds"
                value={`${f.refunds.count} (${money(f.refunds.total)})`}
              />
            )}
            {f.compsGranted !== null && (
              <Figure name="Comps granted" figure="compsGranted" value={String(f.compsGranted)} />
            )}
          </div>

          <section class="card">
            <h2>Revenue by plan</h2>
            <p>
              <a href={csvHref('revenueByPlan', f.from, f.to)}>Download CSV</a>
            </p>
            {f.revenueByPlan.length === 0 ? (
              <p class="muted">No payments or refunds in the range.</p>
            ) : (
              <table>
                <thead>
                  <tr>
                    <th>Plan</th>
                    <th>Payments</th>
                    <th>Gross</th>
                    <th>Refunded</th>
                    <th>Net</th>
                  </tr>
                </thead>
                <tbody>
                  {f.revenueByPlan.map((row) => (
                    <tr key={row.planId ?? ''}>
                      <td>{row.planName ?? row.planId ?? '—'}</td>
                      <td>{row.payments}</td>
                      <td>{money(row.gross)}</td>
                      <td>{money(row.refunded)}</td>
                      <td>{money(row.net)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>

          <section class="card">
            <h2>Top converting articles</h2>
            <p>
              <a href={csvHref('topConvertingArticles', f.from, f.to)}>Download CSV</a>
            </p>
            {f.topConvertingArticles.length === 0 ? (
              <p class="muted">No subscription in the range came from an article.</p>
            ) : (
              <table>
                <thead>
                  <tr>
                    <th>Headline</th>
                    <th>Subscriptions</th>
                  </tr>
                </thead>
                <tbody>
                  {f.topConvertingArticles.map((row) => (
                    <tr key={row.articleId}>
                      <td>{row.headline ?? row.articleId}</td>
                      <td>{row.subscriptions}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>

          <section class="card">
            <h2>Daily</h2>
            <p>
              <a href={csvHref('daily', f.from, f.to)}>Download CSV</a>
            </p>
            <img
              class="chart"
              src={`/api/admin/v1/analytics/daily.svg?${range(f.from, f.to)}`}
              alt={`Paywall impressions, checkout starts and new subscriptions per day, ${f.from} to ${f.to}`}
            />
          </section>
        </>
      )}
    </AdminShell>
  );
}
