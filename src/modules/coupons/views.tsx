import { AdminShell, Notice, type AdminNavItem } from '../../web/admin/shell.js';
import type { StaffPrincipal } from '../../kernel/staff-access.js';
import { describeDiscount, discountOf, type Coupon } from './domain.js';

// The coupons module's admin page: every coupon, creating one, switching one off or on.

/** The create form as typed, kept when it is refused. */
export interface CouponFormValues {
  readonly code: string;
  readonly kind: string;
  readonly percentOff: string;
  readonly amountOff: string;
  readonly currency: string;
  readonly duration: string;
  readonly planIds: readonly string[];
  readonly expiresOn: string;
  readonly maxRedemptions: string;
}

export const emptyCouponForm: CouponFormValues = {
  code: '',
  kind: 'percent',
  percentOff: '',
  amountOff: '',
  currency: 'INR',
  duration: 'once',
  planIds: [],
  expiresOn: '',
  maxRedemptions: '',
};

export function CouponsPage(props: {
  readonly principal: StaffPrincipal;
  readonly nav: readonly AdminNavItem[];
  readonly coupons: readonly Coupon[];
  readonly plans: readonly { readonly id: string; readonly name: string }[];
  readonly form: CouponFormValues;
  readonly error?: string | undefined;
  readonly done?: string | undefined;
}) {
  const { form } = props;
  const planName = (id: string) => props.plans.find((plan) => plan.id === id)?.name ?? id;
  return (
    <AdminShell title="Coupons" principal={props.principal} nav={props.nav} current="/admin/coupons">
      {props.error && <Notice kind="error">{props.error}</Notice>}
      {props.done && <Notice kind="done">{props.done}</Notice>}
      <table>
        <thead>
          <tr>
            <th>Code</th>
            <th>Discount</th>
            <th>Plans</th>
            <th>Expires</th>
            <th>Used</th>
            <th>Status</th>
            <th>
              <span class="muted">Action</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {props.coupons.map((coupon) => (
            <tr key={coupon.id} data-coupon={coupon.code}>
              <td>
                <code>{coupon.code}</code>
              </td>
              <td>{describeDiscount(discountOf(coupon))}</td>
              <td>{coupon.planIds === null ? 'every plan' : coupon.planIds.map(planName).join(', ')}</td>
              <td>{coupon.expiresAt === null ? 'never' : coupon.expiresAt.slice(0, 10)}</td>
              <td>
                {coupon.redemptions}
                {coupon.maxRedemptions !== null && ` of ${coupon.maxRedemptions}`}
                {coupon.reserved > 0 && <span class="muted"> ({coupon.reserved} held by checkouts)</span>}
              </td>
              <td>{coupon.active ? 'on' : 'off'}</td>
              <td>
                <form method="post" action={`/admin/coupons/${coupon.id}/active`}>
                  <input type="hidden" name="active" value={coupon.active ? 'false' : 'true'} />
                  <button type="submit" class={coupon.active ? 'danger' : 'secondary'}>
                    {coupon.active ? 'Retire' : 'Switch on'}
                  </button>
                </form>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {props.coupons.length === 0 && <p class="muted">No coupons yet.</p>}
      <form class="card" method="post" action="/admin/coupons">
        <h2>New coupon</h2>
        <p class="muted">
          What a coupon takes off cannot change once readers may hold it: a different discount is a new
          coupon.
        </p>
        <label for="code">Code</label>
        <input id="code" name="code" required maxLength={32} value={form.code} placeholder="DIWALI25" />
        <label for="kind">Discount</label>
        <select id="kind" name="kind">
          <option value="percent" selected={form.kind === 'percent'}>
            a percentage off
          </option>
          <option value="amount" selected={form.kind === 'amount'}>
            an amount off
          </option>
        </select>
        <label for="percentOff">Percent off (for a percentage)</label>
        <input id="percentOff" name="percentOff" inputmode="numeric" class="short" value={form.percentOff} />
        <label for="amountOff">Amount off (for an amount)</label>
        <div class="row">
          <input id="amountOff" name="amountOff" inputmode="decimal" class="short" value={form.amountOff} />
          <input name="currency" aria-label="Currency" maxLength={3} class="short" value={form.currency} />
        </div>
        <label for="duration">For</label>
        <select id="duration" name="duration">
          <option value="once" selected={form.duration === 'once'}>
            the first term only
          </option>
          <option value="forever" selected={form.duration === 'forever'}>
            every term
          </option>
        </select>
        <fieldset class="choices">
          <legend>Plans (none ticked: every plan)</legend>
          {props.plans.map((plan) => (
            <label key={plan.id} class="choice">
              <input
                type="checkbox"
                name="planIds"
                value={plan.id}
                checked={form.planIds.includes(plan.id)}
              />{' '}
              {plan.name}
            </label>
          ))}
        </fieldset>
        <label for="expiresOn">Last day (optional, until the end of that day UTC)</label>
        <input id="expiresOn" name="expiresOn" type="date" class="short" value={form.expiresOn} />
        <label for="maxRedemptions">Uses in all (optional)</label>
        <input
          id="maxRedemptions"
          name="maxRedemptions"
          inputmode="numeric"
          class="short"
          value={form.maxRedemptions}
        />
        <button type="submit">Create coupon</button>
      </form>
    </AdminShell>
  );
}
