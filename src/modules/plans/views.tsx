import { AdminShell, Notice, type AdminNavItem } from '../../web/admin/shell.js';
import type { StaffPrincipal } from '../../kernel/staff-access.js';
import { formatMoney, minorUnitsPerMajor, type Money } from '../../kernel/money.js';
import { benefitCatalogue, benefitKeys } from './benefits.js';
import { perMonth, termLabel, type PlanWithHistory } from './domain.js';

// The plans module's admin pages: the plans in display order with what /subscribe shows, one
// plan with its prices and price moves. The words are this module's.

interface Frame {
  readonly principal: StaffPrincipal;
  readonly nav: readonly AdminNavItem[];
  readonly error?: string | undefined;
  readonly done?: string | undefined;
}

/**
 * A move of a plan's subscribers to a newer price, as the page lists it (billing keeps them;
 * its `PriceMoveView` has this shape).
 */
export interface PriceMoveSummary {
  readonly id: string;
  readonly price: { readonly id: string; readonly amount: Money };
  readonly noticeDays: number;
  readonly actor: string;
  readonly createdAt: string;
  readonly effectiveAt: string;
  readonly counts: Readonly<Record<'pending' | 'notified' | 'moved' | 'left', number>>;
}

/** The create form as typed, kept when it is refused. */
export interface PlanFormValues {
  readonly name: string;
  readonly slug: string;
  readonly termCount: string;
  readonly termUnit: string;
  readonly trialDays: string;
  readonly amount: string;
  readonly currency: string;
  readonly benefits: readonly string[];
}

export const emptyPlanForm: PlanFormValues = {
  name: '',
  slug: '',
  termCount: '1',
  termUnit: 'year',
  trialDays: '0',
  amount: '',
  currency: 'INR',
  benefits: ['premium-stories', 'all-devices'],
};

/** "900" for ₹900, "900.50" for ₹900.50: an amount as a form field carries it. */
export function majorText(value: Money): string {
  const unit = minorUnitsPerMajor(value.currency);
  const whole = Math.floor(value.amountMinor / unit);
  const rest = value.amountMinor % unit;
  return rest === 0 ? String(whole) : `${whole}.${String(rest).padStart(String(unit).length - 1, '0')}`;
}

const day = (iso: string) => iso.slice(0, 10);

function Notices(props: Frame) {
  return (
    <>
      {props.error && <Notice kind="error">{props.error}</Notice>}
      {props.done && <Notice kind="done">{props.done}</Notice>}
    </>
  );
}

function BenefitChoices(props: { readonly chosen: readonly string[]; readonly idPrefix: string }) {
  return (
    <fieldset class="choices">
      <legend>Benefits</legend>
      {benefitKeys.map((key) => (
        <label key={key} class="choice">
          <input
            type="checkbox"
            name="benefits"
            value={key}
            id={`${props.idPrefix}-${key}`}
            checked={props.chosen.includes(key)}
          />{' '}
          {benefitCatalogue[key].title}
        </label>
      ))}
    </fieldset>
  );
}

function Prices(props: { readonly plan: PlanWithHistory }) {
  const { plan } = props;
  return (
    <>
      {plan.prices.map((price) => (
        <div key={price.id}>
          {formatMoney(price)} <span class="muted">({formatMoney(perMonth(price, plan.term))}/month)</span>
        </div>
      ))}
    </>
  );
}

export function PlansPage(
  props: Frame & {
    readonly plans: readonly PlanWithHistory[];
    readonly form: PlanFormValues;
    /** The plans part of /subscribe as readers see it (or with the draft plan, when previewed). */
    readonly subscribeHtml: string;
    readonly previewingDraft: boolean;
  },
) {
  const { plans, form } = props;
  return (
    <AdminShell title="Plans" principal={props.principal} nav={props.nav} current="/admin/plans">
      <Notices {...props} />
      <p class="muted">
        In the order the paywall and /subscribe show them. A retired plan is no longer sold; its subscribers
        keep it.
      </p>
      <table>
        <thead>
          <tr>
            <th>Order</th>
            <th>Plan</th>
            <th>Price</th>
            <th>Term</th>
            <th>Benefits</th>
            <th>Status</th>
            <th>
              <span class="muted">Action</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {plans.map((plan, index) => (
            <tr key={plan.id} data-plan={plan.slug}>
              <td>
                <form method="post" action="/admin/plans/order" class="inline">
                  <input type="hidden" name="planId" value={plan.id} />
                  <button
                    type="submit"
                    name="direction"
                    value="up"
                    class="link"
                    disabled={index === 0}
                    aria-label={`Move ${plan.name} up`}
                  >
                    ↑
                  </button>{' '}
                  <button
                    type="submit"
                    name="direction"
                    value="down"
                    class="link"
                    disabled={index === plans.length - 1}
                    aria-label={`Move ${plan.name} down`}
                  >
                    ↓
                  </button>
                </form>
              </td>
              <td>
                <a href={`/admin/plans/${plan.id}`}>{plan.name}</a>
                <div class="muted">{plan.slug}</div>
              </td>
              <td>
                <Prices plan={plan} />
              </td>
              <td>
                {termLabel(plan.term)}
                {plan.trialDays > 0 && <div class="muted">{plan.trialDays}-day trial</div>}
              </td>
              <td>{plan.benefits.map((key) => benefitCatalogue[key].title).join(', ')}</td>
              <td>{plan.active ? 'on sale' : 'retired'}</td>
              <td>
                <a href={`/admin/plans/${plan.id}`}>Edit</a>
                <form method="post" action={`/admin/plans/${plan.id}/active`}>
                  <input type="hidden" name="active" value={plan.active ? 'false' : 'true'} />
                  <button type="submit" class={plan.active ? 'danger' : 'secondary'}>
                    {plan.active ? 'Retire' : 'Put on sale'}
                  </button>
                </form>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {plans.length === 0 && <p class="muted">No plans yet.</p>}
      <div class="split">
        <form class="card" method="post" action="/admin/plans">
          <h2>New plan</h2>
          <label for="name">Name</label>
          <input id="name" name="name" required maxLength={120} value={form.name} />
          <label for="slug">Slug (optional)</label>
          <input
            id="slug"
            name="slug"
            maxLength={60}
            value={form.slug}
            placeholder="made from the name"
            pattern="[a-z0-9]+(-[a-z0-9]+)*"
          />
          <label for="termCount">Term</label>
          <div class="row">
            <input
              id="termCount"
              name="termCount"
              inputmode="numeric"
              required
              value={form.termCount}
              class="short"
            />
            <select name="termUnit" aria-label="Term unit">
              {(['month', 'year'] as const).map((unit) => (
                <option key={unit} value={unit} selected={form.termUnit === unit}>
                  {unit}s
                </option>
              ))}
            </select>
          </div>
          <label for="amount">Price for the term</label>
          <div class="row">
            <input
              id="amount"
              name="amount"
              inputmode="decimal"
              required
              value={form.amount}
              placeholder="900"
              class="short"
            />
            <input name="currency" aria-label="Currency" value={form.currency} maxLength={3} class="short" />
          </div>
          <label for="trialDays">Free trial days</label>
          <input id="trialDays" name="trialDays" inputmode="numeric" value={form.trialDays} class="short" />
          <BenefitChoices chosen={form.benefits} idPrefix="new" />
          <div class="actions">
            <button type="submit" name="intent" value="preview" class="secondary">
              Preview on /subscribe
            </button>
            <button type="submit" name="intent" value="create">
              Create plan
            </button>
          </div>
        </form>
        <div>
          <h2>/subscribe preview</h2>
          <p class="muted">
            {props.previewingDraft
              ? 'With the new plan, not created yet.'
              : 'The plans on sale, as readers see them.'}
          </p>
          <div class="subscribe-sample" inert dangerouslySetInnerHTML={{ __html: props.subscribeHtml }} />
        </div>
      </div>
    </AdminShell>
  );
}

export function PlanPage(
  props: Frame & {
    readonly plan: PlanWithHistory;
    readonly moves: readonly PriceMoveSummary[];
    readonly minNoticeDays: number;
    readonly maxNoticeDays: number;
  },
) {
  const { plan, moves } = props;
  const base = `/admin/plans/${plan.id}`;
  return (
    <AdminShell title={plan.name} principal={props.principal} nav={props.nav} current="/admin/plans">
      <p>
        <a href="/admin/plans">← All plans</a>
      </p>
      <Notices {...props} />
      <div class="card">
        <p>
          {plan.slug} · {termLabel(plan.term)} · {plan.active ? 'on sale' : 'retired'}
        </p>
        <p class="muted">
          The term cannot change: subscribers' periods follow it. For another term, create a new plan and
          retire this one.
        </p>
      </div>
      <div class="split">
        <form class="card" method="post" action={base}>
          <h2>Details</h2>
          <label for="name">Name</label>
          <input id="name" name="name" required maxLength={120} value={plan.name} />
          <label for="trialDays">Free trial days</label>
          <input id="trialDays" name="trialDays" inputmode="numeric" value={String(plan.trialDays)} />
          <BenefitChoices chosen={plan.benefits} idPrefix="edit" />
          <button type="submit">Save details</button>
        </form>
        <form class="card" method="post" action={`${base}/prices`}>
          <h2>Price</h2>
          <p>
            Now: <Prices plan={plan} />
          </p>
          <p class="muted">
            A new price is a new version. New subscribers pay it at once; existing subscribers keep the price
            they pay until you move them below, with notice.
          </p>
          <label for="amount">New price for {termLabel(plan.term)}</label>
          <div class="row">
            <input
              id="amount"
              name="amount"
              inputmode="decimal"
              required
              class="short"
              value={plan.prices[0] ? majorText(plan.prices[0]) : ''}
            />
            <input
              name="currency"
              aria-label="Currency"
              maxLength={3}
              class="short"
              value={plan.prices[0]?.currency ?? 'INR'}
            />
          </div>
          <button type="submit">Change price (new version)</button>
        </form>
      </div>
      <h2>Price history</h2>
      <table>
        <thead>
          <tr>
            <th>Price</th>
            <th>From</th>
            <th>Until</th>
            <th>Version</th>
          </tr>
        </thead>
        <tbody>
          {plan.priceHistory.map((version) => (
            <tr key={version.id}>
              <td>{formatMoney(version.amount)}</td>
              <td>{day(version.createdAt)}</td>
              <td>{version.supersededAt === null ? 'current' : day(version.supersededAt)}</td>
              <td class="muted">{version.id}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div class="card">
        <h2>Move subscribers to the current price</h2>
        <p class="muted">
          Subscribers on an older price are told by mail in the next billing run, and keep their price until
          the first renewal at least the notice period after that.
        </p>
        <form method="post" action={`${base}/price-moves`}>
          <label for="priceId">To</label>
          <select id="priceId" name="priceId">
            {plan.prices.map((price) => (
              <option key={price.id} value={price.id}>
                {formatMoney(price)}
              </option>
            ))}
          </select>
          <label for="noticeDays">
            Notice, in days ({props.minNoticeDays} to {props.maxNoticeDays})
          </label>
          <input
            id="noticeDays"
            name="noticeDays"
            inputmode="numeric"
            required
            class="short"
            value={String(props.minNoticeDays)}
          />
          <button type="submit">Schedule the move</button>
        </form>
        <h3>Scheduled moves</h3>
        {moves.length === 0 ? (
          <p class="muted">None.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th>To</th>
                <th>Notice</th>
                <th>Scheduled</th>
                <th>New price from</th>
                <th>Subscribers</th>
              </tr>
            </thead>
            <tbody>
              {moves.map((move) => (
                <tr key={move.id} data-move={move.id}>
                  <td>{formatMoney(move.price.amount)}</td>
                  <td>{move.noticeDays} days</td>
                  <td>{day(move.createdAt)}</td>
                  <td>{day(move.effectiveAt)}</td>
                  <td>
                    {move.counts.pending} to tell, {move.counts.notified} told, {move.counts.moved} moved,{' '}
                    {move.counts.left} left
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
    </AdminShell>
  );
}
