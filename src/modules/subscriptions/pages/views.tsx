import type { ComponentChildren } from 'preact';
import { renderToString } from 'preact-render-to-string';
import { formatDate } from '../../../kernel/dates.js';
import { formatMoney, type Money } from '../../../kernel/money.js';
import { Layout, loginHref, type SiteChrome } from '../../../web/views/layout.js';
import { benefitKeys, benefitLines, perMonth, priceIn, termLabel, type Plan } from '../../plans/index.js';
import { InvoiceTable } from '../../invoices/index.js';
import type { ChangePreview } from '../changes/preview.js';
import type { PaymentView, SubscriptionView } from '../service.js';

/** What every billing page needs from the site: its chrome, and the zone to show dates in. */
export interface BillingShell {
  readonly chrome: SiteChrome;
  readonly timeZone: string;
}

/** An invoice in the reader's list: enough to name it and link to it. */
export interface InvoiceListing {
  readonly id: string;
  readonly number: string;
  readonly issuedAt: string;
  readonly total: Money;
}

/** A GST state the reader may pick as their place of supply. */
export interface StateOption {
  readonly code: string;
  readonly name: string;
}

const subscribeHref = (plan: Plan, returnTo?: string) =>
  `/subscribe?plan=${encodeURIComponent(plan.slug)}${returnTo ? `&returnTo=${encodeURIComponent(returnTo)}` : ''}`;

// ─── The plans, as the paywall and /subscribe show them ─────────────────────────────────────

/** The plans on offer, each with its price, per-month price, term and a way to subscribe. */
export function PlanCards({ plans, returnTo }: { plans: readonly Plan[]; returnTo?: string | undefined }) {
  return (
    <div class="plans">
      {plans.map((plan) => {
        const price = priceIn(plan, 'INR');
        if (!price) return null;
        return (
          <div class="plan" id={`plan-${plan.slug}`} data-plan={plan.slug}>
            <h3 class="plan-name">{plan.name}</h3>
            <p class="plan-price">
              <span class="amount">{formatMoney(price)}</span>{' '}
              <span class="term">for {termLabel(plan.term)}</span>
            </p>
            <p class="plan-per-month">{formatMoney(perMonth(price, plan.term))}/Month</p>
            <p class="plan-terms">Renews automatically, cancel anytime</p>
            {plan.trialDays > 0 && (
              <p class="plan-trial">{plan.trialDays}-day free trial for new subscribers</p>
            )}
            <a class="button" href={subscribeHref(plan, returnTo)}>
              Subscribe<span class="visually-hidden"> to {plan.name}</span>
            </a>
          </div>
        );
      })}
    </div>
  );
}

/** What a subscription includes: every benefit some plan on offer has. */
export function Benefits({ plans, heading = 'h3' }: { plans: readonly Plan[]; heading?: 'h2' | 'h3' }) {
  const keys = benefitKeys.filter((key) => plans.some((plan) => plan.benefits.includes(key)));
  const Heading = heading;
  return (
    <div class="benefits">
      <Heading>What your subscription includes</Heading>
      <ul>
        {benefitLines(keys).map((benefit) => (
          <li data-benefit={benefit.key}>
            <strong>{benefit.title}</strong> — {benefit.detail}
          </li>
        ))}
      </ul>
    </div>
  );
}

// ─── Small parts ────────────────────────────────────────────────────────────────────────────

function Notice({ children }: { children: ComponentChildren }) {
  return (
    <p class="notice" role="status">
      {children}
    </p>
  );
}

function Problem({ id, children }: { id: string; children: ComponentChildren }) {
  return (
    <p class="notice form-error" role="alert" id={id}>
      {children}
    </p>
  );
}

/** A form with one button: a state change is a POST, never a link. */
function ButtonForm(props: { action: string; label: string; primary?: boolean; name?: string }) {
  return (
    <form method="post" action={props.action} class="button-form">
      <button type="submit" class={props.primary ? 'button' : undefined} name={props.name}>
        {props.label}
      </button>
    </form>
  );
}

function BillingLayout(props: {
  shell: BillingShell;
  title: string;
  head?: ComponentChildren;
  children: ComponentChildren;
}) {
  return (
    <Layout chrome={props.shell.chrome} title={props.title} head={props.head}>
      <div class="account-pages billing-pages">{props.children}</div>
    </Layout>
  );
}

// ─── /subscribe ─────────────────────────────────────────────────────────────────────────────

export type SubscribeField =
  'plan' | 'email' | 'password' | 'account' | 'billingName' | 'billingState' | 'coupon';

/** What the reader typed into the subscribe form (never the password), to show it again. */
export interface SubscribeFormValues {
  readonly account: 'new' | 'existing';
  readonly email: string;
  readonly billingName: string;
  readonly billingState: string;
  readonly coupon: string;
}

export interface SubscribeProblem {
  readonly message: string;
  readonly field?: SubscribeField | undefined;
  /** A way on, when the problem has one ("Your account"). */
  readonly link?: { readonly href: string; readonly text: string } | undefined;
}

function Field(props: {
  name: SubscribeField;
  label: string;
  problem: SubscribeProblem | undefined;
  children: (attributes: {
    id: string;
    name: string;
    'aria-invalid'?: 'true';
    'aria-describedby'?: string;
  }) => ComponentChildren;
  hint?: string;
}) {
  const id = `subscribe-${props.name}`;
  const invalid = props.problem?.field === props.name;
  return (
    <p class="field">
      <label for={id}>{props.label}</label>
      {props.hint && <span class="hint"> {props.hint}</span>}
      <br />
      {props.children({
        id,
        name: props.name,
        ...(invalid && { 'aria-invalid': 'true' as const, 'aria-describedby': 'subscribe-error' }),
      })}
    </p>
  );
}

function ChosenPlan({ plan }: { plan: Plan }) {
  const price = priceIn(plan, 'INR');
  if (!price) return null;
  return (
    <div class="chosen-plan" data-plan={plan.slug}>
      <p class="plan-price">
        <strong>{plan.name}</strong>: <span class="amount">{formatMoney(price)}</span>{' '}
        <span class="term">for {termLabel(plan.term)}</span> ({formatMoney(perMonth(price, plan.term))}/Month)
      </p>
      <p class="plan-terms">Renews automatically, cancel anytime</p>
      {plan.trialDays > 0 && (
        <p class="plan-trial">
          New subscribers start with a {plan.trialDays}-day free trial: nothing is charged today, and you can
          cancel before it ends.
        </p>
      )}
    </div>
  );
}

function SubscribeForm(props: {
  plan: Plan;
  returnTo: string | undefined;
  signedIn: boolean;
  stateOptions: readonly StateOption[];
  values: SubscribeFormValues;
  problem: SubscribeProblem | undefined;
}) {
  const { plan, returnTo, signedIn, stateOptions, values, problem } = props;
  const here = subscribeHref(plan, returnTo);
  return (
    <section class="subscribe-form" aria-labelledby="subscribe-form-title">
      <h2 id="subscribe-form-title">Subscribe to {plan.name}</h2>
      <ChosenPlan plan={plan} />
      {problem && (
        <Problem id="subscribe-error">
          {problem.message}
          {problem.link && (
            <>
              {' '}
              <a href={problem.link.href}>{problem.link.text}</a>
            </>
          )}
        </Problem>
      )}
      <form method="post" action="/subscribe">
        <input type="hidden" name="plan" value={plan.slug} />
        <input type="hidden" name="returnTo" value={returnTo ?? ''} />
        {!signedIn && (
          <fieldset class="subscribe-account">
            <legend>Your account</legend>
            <p>
              <label>
                <input type="radio" name="account" value="new" checked={values.account === 'new'} /> I am new
                here: create my account
              </label>
              <br />
              <label>
                <input type="radio" name="account" value="existing" checked={values.account === 'existing'} />{' '}
                I have an account: sign me in
              </label>
            </p>
            <Field name="email" label="Email" problem={problem}>
              {(attributes) => (
                <input
                  {...attributes}
                  type="email"
                  value={values.email}
                  autocomplete="email"
                  required
                  maxLength={254}
                />
              )}
            </Field>
            <Field
              name="password"
              label="Password"
              hint="(at least 8 characters for a new account)"
              problem={problem}
            >
              {(attributes) => (
                <input
                  {...attributes}
                  type="password"
                  autocomplete="current-password"
                  required
                  maxLength={512}
                />
              )}
            </Field>
            <p class="sign-in-help">
              Prefer a link by email? <a href={loginHref(here)}>Sign in first</a>, then come back here.
            </p>
          </fieldset>
        )}
        <fieldset class="subscribe-billing">
          <legend>For your invoice</legend>
          <Field name="billingName" label="Name" problem={problem}>
            {(attributes) => (
              <input
                {...attributes}
                type="text"
                value={values.billingName}
                autocomplete="name"
                maxLength={120}
              />
            )}
          </Field>
          <Field
            name="billingState"
            label="State"
            hint="(optional: the place of supply on a GST invoice)"
            problem={problem}
          >
            {(attributes) => (
              <select {...attributes} autocomplete="address-level1">
                <option value="" selected={values.billingState === ''}>
                  — Not given —
                </option>
                {stateOptions.map((state) => (
                  <option value={state.code} selected={values.billingState === state.code}>
                    {state.name}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field name="coupon" label="Coupon code" hint="(optional)" problem={problem}>
            {(attributes) => (
              <input {...attributes} type="text" value={values.coupon} autocomplete="off" maxLength={64} />
            )}
          </Field>
        </fieldset>
        <p>
          <button type="submit" class="button">
            Continue to payment
          </button>
        </p>
        <p class="fine-print">
          You will pay on the payment page, which shows the exact amount. By subscribing you agree to the{' '}
          <a href="/terms">Terms of subscription</a>. Your subscription renews automatically at the end of
          each term of {termLabel(plan.term)}; we write to you before each renewal, and you can cancel anytime
          from your account (see the <a href="/refunds">refund policy</a>).
        </p>
      </form>
    </section>
  );
}

/** `/subscribe`: the plans, and with one chosen, the form that starts paying for it. */
export function SubscribePage(props: {
  shell: BillingShell;
  plans: readonly Plan[];
  /** The plan whose form is shown. */
  chosen?: Plan | undefined;
  /** Where to land once paid (the article the reader wanted); the account page when unset. */
  returnTo?: string | undefined;
  signedIn: boolean;
  /** The reader's live subscription: they see it instead of a form. */
  current?: SubscriptionView | undefined;
  notice?: string | undefined;
  stateOptions: readonly StateOption[];
  values: SubscribeFormValues;
  problem?: SubscribeProblem | undefined;
}) {
  const { shell, plans, chosen, returnTo, current } = props;
  const name = shell.chrome.publicationName;
  return (
    <Layout
      chrome={shell.chrome}
      title="Subscribe"
      description={`Subscribe to ${name}: unlimited access, e-paper, newsletters and more.`}
    >
      <h1 class="page-title">Subscribe to {name}</h1>
      <p class="lede">
        Unlimited access to every story, on every device. Renews automatically, cancel anytime.
      </p>
      {props.notice && <Notice>{props.notice}</Notice>}
      {current ? (
        <p class="notice subscribed" role="status">
          You subscribe to {current.plan.name} already. <a href="/account">Manage your subscription</a>
        </p>
      ) : (
        chosen && (
          <SubscribeForm
            plan={chosen}
            returnTo={returnTo}
            signedIn={props.signedIn}
            stateOptions={props.stateOptions}
            values={props.values}
            problem={props.problem}
          />
        )
      )}
      {!current && (
        <>
          <h2 class="other-plans">{chosen ? 'All plans' : 'Choose a plan'}</h2>
          <PlanCards plans={plans} returnTo={returnTo} />
        </>
      )}
      <Benefits plans={plans} heading={current ? 'h2' : 'h3'} />
    </Layout>
  );
}

/**
 * The plans part of `/subscribe` for `plans` (a draft, say), as the page shows it to a reader
 * choosing a plan: the cards and what the subscriptions include. For the admin's preview.
 */
export function subscribePlansHtml(plans: readonly Plan[]): string {
  return renderToString(
    <div class="subscribe-plans">
      <h2 class="other-plans">Choose a plan</h2>
      <PlanCards plans={plans} />
      <Benefits plans={plans} />
    </div>,
  );
}

// ─── /subscribe/return ──────────────────────────────────────────────────────────────────────

/** The gateway has not told us yet: the page asks again by itself (no script: a meta refresh). */
export function CheckoutPendingPage({ shell }: { shell: BillingShell }) {
  return (
    <BillingLayout
      shell={shell}
      title="Confirming your payment"
      head={<meta http-equiv="refresh" content="2" />}
    >
      <h1 class="page-title">Confirming your payment…</h1>
      <p role="status">
        We are waiting for the payment provider to confirm your payment. This page checks again every two
        seconds; there is no need to pay again.
      </p>
      <p>
        <a href="/account">Go to your account</a>
      </p>
    </BillingLayout>
  );
}

export function CheckoutFailedPage(props: {
  shell: BillingShell;
  reason: string;
  retry: string;
  expired: boolean;
}) {
  const { shell, reason, retry, expired } = props;
  return (
    <BillingLayout shell={shell} title={expired ? 'Checkout expired' : 'Payment not completed'}>
      <h1 class="page-title">{expired ? 'The checkout expired' : 'The payment did not go through'}</h1>
      <p class="notice form-error checkout-failure" role="alert">
        {reason}
      </p>
      <p>Nothing was charged for this attempt.</p>
      <p>
        <a class="button" href={retry}>
          Try again
        </a>
      </p>
    </BillingLayout>
  );
}

// ─── /account: the billing section ──────────────────────────────────────────────────────────

const statusLabels: Record<SubscriptionView['status'], string> = {
  trialing: 'Free trial',
  active: 'Active',
  past_due: 'Payment overdue',
  canceling: 'Cancelled',
  expired: 'Ended',
};

const paymentKinds: Record<PaymentView['kind'], string> = {
  initial: 'First payment',
  renewal: 'Renewal',
  upgrade: 'Plan change',
};

function paymentStatus(payment: PaymentView): string {
  switch (payment.status) {
    case 'succeeded':
      return payment.refunded.amountMinor > 0 ? `Paid; ${formatMoney(payment.refunded)} refunded` : 'Paid';
    case 'refunded':
      return 'Refunded';
    case 'failed':
      return payment.failureReason ? `Failed: ${payment.failureReason}` : 'Failed';
    case 'pending':
      return 'Processing';
  }
}

const renewalWords: Record<SubscriptionView['status'], string> = {
  trialing: 'First charge on',
  active: 'Renews on',
  past_due: 'Trying again on',
  canceling: 'Renews on',
  expired: 'Renews on',
};

function SubscriptionDetails({ sub, date }: { sub: SubscriptionView; date: (iso: string) => string }) {
  return (
    <dl class="subscription" data-status={sub.status}>
      <dt>Plan</dt>
      <dd class="subscription-plan">{sub.plan.name}</dd>
      <dt>Price</dt>
      <dd class="subscription-price">
        {formatMoney(sub.price)} for {sub.plan.termLabel}
      </dd>
      <dt>Status</dt>
      <dd class="subscription-status">{statusLabels[sub.status]}</dd>
      {sub.status === 'trialing' && sub.trialEndsAt && (
        <>
          <dt>Free trial</dt>
          <dd class="subscription-trial">Until {date(sub.trialEndsAt)}</dd>
        </>
      )}
      {sub.endsAt ? (
        <>
          <dt>Ends</dt>
          <dd class="subscription-ends">Ends on {date(sub.endsAt)}</dd>
        </>
      ) : (
        sub.renewal && (
          <>
            <dt>{sub.status === 'past_due' ? 'Next attempt' : 'Next payment'}</dt>
            <dd class="subscription-renewal">
              {renewalWords[sub.status]} {date(sub.renewal.at)} for {formatMoney(sub.renewal.amount)}
            </dd>
          </>
        )
      )}
      {sub.pendingChange && (
        <>
          <dt>Plan change</dt>
          <dd class="subscription-pending">
            Changes to {sub.pendingChange.planName} on {date(sub.pendingChange.effectiveAt)}
          </dd>
        </>
      )}
      <dt>Card</dt>
      <dd class="subscription-card">{sub.paymentMethod ?? 'None on file'}</dd>
    </dl>
  );
}

function Overdue({ sub, date }: { sub: SubscriptionView; date: (iso: string) => string }) {
  if (!sub.overdue) return null;
  return (
    <div class="notice overdue" role="alert">
      <p>
        Your last payment did not go through.
        {sub.overdue.nextAttemptAt && <> We will try again on {date(sub.overdue.nextAttemptAt)}.</>} You keep
        access until {date(sub.overdue.accessUntil)}.
      </p>
      <ButtonForm action="/account/payment-method" label="Update payment method" primary />
    </div>
  );
}

function Payments({ payments, date }: { payments: readonly PaymentView[]; date: (iso: string) => string }) {
  if (payments.length === 0) return null;
  return (
    <>
      <h3>Payments</h3>
      <table class="payments">
        <thead>
          <tr>
            <th scope="col">Date</th>
            <th scope="col">For</th>
            <th scope="col">Amount</th>
            <th scope="col">Status</th>
          </tr>
        </thead>
        <tbody>
          {payments.map((payment) => (
            <tr data-payment={payment.id} data-status={payment.status}>
              <td data-label="Date">
                <time dateTime={payment.createdAt}>{date(payment.createdAt)}</time>
              </td>
              <td data-label="For">{paymentKinds[payment.kind]}</td>
              <td data-label="Amount">{formatMoney(payment.amount)}</td>
              <td data-label="Status">{paymentStatus(payment)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

function Invoices({ invoices }: { invoices: readonly InvoiceListing[] }) {
  if (invoices.length === 0) return null;
  return (
    <>
      <h3>Invoices</h3>
      <InvoiceTable invoices={invoices} />
    </>
  );
}

function Actions({ sub }: { sub: SubscriptionView }) {
  if (sub.status === 'expired') return null;
  if (sub.status === 'canceling') {
    return (
      <div class="subscription-actions">
        <ButtonForm action="/account/subscription/resume" label="Resume subscription" primary />
      </div>
    );
  }
  return (
    <div class="subscription-actions">
      {sub.status !== 'past_due' && (
        <a class="button" href="/account/subscription/change">
          Change plan
        </a>
      )}{' '}
      {sub.status !== 'past_due' && <ButtonForm action="/account/payment-method" label="Change card" />}{' '}
      <a class="cancel-link" href="/account/subscription/cancel">
        Cancel subscription
      </a>
    </div>
  );
}

/** The reader's subscription on `/account`: its state, what to do with it, and what was paid. */
export function BillingSection(props: {
  timeZone: string;
  subscription: SubscriptionView | null;
  payments: readonly PaymentView[];
  invoices: readonly InvoiceListing[];
  notice?: string | undefined;
}) {
  const { subscription: sub, payments, invoices, notice } = props;
  const date = (iso: string) => formatDate(iso, props.timeZone);
  return (
    <section class="billing" id="billing" aria-labelledby="billing-title">
      <h2 id="billing-title">Subscription</h2>
      {notice && <Notice>{notice}</Notice>}
      {sub === null ? (
        <p class="no-subscription">
          You do not subscribe yet. <a href="/subscribe">See the plans</a>
        </p>
      ) : sub.status === 'expired' ? (
        <p class="subscription-ended" data-status="expired">
          Your {sub.plan.name} subscription ended{sub.endsAt && <> on {date(sub.endsAt)}</>}.{' '}
          <a href="/subscribe">Subscribe again</a>
        </p>
      ) : (
        <>
          <SubscriptionDetails sub={sub} date={date} />
          <Overdue sub={sub} date={date} />
          <Actions sub={sub} />
        </>
      )}
      <Payments payments={payments} date={date} />
      <Invoices invoices={invoices} />
    </section>
  );
}

// ─── /account/subscription/cancel ───────────────────────────────────────────────────────────

/** The one optional question on cancelling, by the key recorded with the cancellation. */
export const cancelReasons = {
  too_expensive: 'It costs too much',
  not_reading: 'I do not read enough to need it',
  content: 'I am not happy with the journalism',
  elsewhere: 'I get my news elsewhere',
  technical: 'Something did not work',
  other: 'Another reason',
} as const;
export type CancelReason = keyof typeof cancelReasons;

export function CancelPage(props: {
  shell: BillingShell;
  subscription: SubscriptionView;
  chosen?: string | undefined;
  problem?: string | undefined;
}) {
  const { shell, subscription: sub, problem } = props;
  const date = (iso: string) => formatDate(iso, shell.timeZone);
  // Cancelling while a payment is overdue ends the subscription at once: no paid term is left.
  const now = sub.status === 'past_due';
  return (
    <BillingLayout shell={shell} title="Cancel your subscription">
      <h1 class="page-title">Cancel your {sub.plan.name} subscription</h1>
      {now ? (
        <p class="cancel-ends">
          A payment is overdue, so cancelling ends your subscription <strong>now</strong>; nothing more will
          be charged.
        </p>
      ) : (
        <p class="cancel-ends">
          Nothing more will be charged. You keep full access until{' '}
          <strong>{date(sub.currentPeriodEnd)}</strong>, and can resume any time before then.
        </p>
      )}
      {problem && <Problem id="cancel-error">{problem}</Problem>}
      <form method="post" action="/account/subscription/cancel">
        <fieldset class="cancel-reason">
          <legend>Would you tell us why? (optional)</legend>
          {Object.entries(cancelReasons).map(([key, label]) => (
            <p>
              <label>
                <input type="radio" name="reason" value={key} checked={props.chosen === key} /> {label}
              </label>
            </p>
          ))}
        </fieldset>
        <p>
          <button type="submit" class="button">
            Cancel subscription
          </button>{' '}
          <a href="/account">Keep my subscription</a>
        </p>
      </form>
    </BillingLayout>
  );
}

// ─── /account/subscription/change ───────────────────────────────────────────────────────────

function ChangeOption({ option, date }: { option: ChangePreview; date: (iso: string) => string }) {
  const { plan, price } = option;
  const when = (() => {
    switch (option.kind) {
      case 'upgrade':
        return (
          <>
            Starts now: charged {formatMoney(option.charge)} now, with {formatMoney(option.credit)} credited
            for the unused part of your current plan.
          </>
        );
      case 'trial_switch':
        return <>Starts now, within your free trial: nothing is charged until the trial ends.</>;
      case 'downgrade':
        return (
          <>
            Starts at your next renewal, on {date(option.effectiveAt)}; you keep your current plan until then.
          </>
        );
      case 'keep':
        return <>Your current plan: choosing it calls off the scheduled change.</>;
    }
  })();
  return (
    <div class="plan change-option" data-plan={plan.slug} data-kind={option.kind}>
      <h2 class="plan-name">{plan.name}</h2>
      <p class="plan-price">
        <span class="amount">{formatMoney(price)}</span> <span class="term">for {plan.termLabel}</span>
      </p>
      <p class="change-when">{when}</p>
      <form method="post" action="/account/subscription/change">
        <input type="hidden" name="plan" value={plan.slug} />
        <button type="submit" class="button">
          {option.kind === 'keep' ? `Stay on ${plan.name}` : `Change to ${plan.name}`}
        </button>
      </form>
    </div>
  );
}

export function ChangePlanPage(props: {
  shell: BillingShell;
  subscription: SubscriptionView;
  options: readonly ChangePreview[];
  /** Why the plan cannot be changed now (overdue, cancelled), instead of the options. */
  blocked?: string | undefined;
  problem?: string | undefined;
}) {
  const { shell, subscription: sub, options, blocked, problem } = props;
  const date = (iso: string) => formatDate(iso, shell.timeZone);
  return (
    <BillingLayout shell={shell} title="Change plan">
      <h1 class="page-title">Change plan</h1>
      <p>
        You are on {sub.plan.name}, {formatMoney(sub.price)} for {sub.plan.termLabel}. A plan that costs more
        per term starts at once, with the unused part of your current plan credited; any other starts at your
        next renewal.
      </p>
      {problem && <Problem id="change-error">{problem}</Problem>}
      {blocked ? (
        <p class="notice" role="status">
          {blocked} <a href="/account">Your account</a>
        </p>
      ) : options.length === 0 ? (
        <p>There is no other plan on offer.</p>
      ) : (
        <div class="plans">
          {options.map((option) => (
            <ChangeOption option={option} date={date} />
          ))}
        </div>
      )}
      <p>
        <a href="/account">Back to your account</a>
      </p>
    </BillingLayout>
  );
}

// ─── /account/payment-method, and problems ──────────────────────────────────────────────────

/** Where the "update your card" link in mail lands: one button, because saving a card is a POST. */
export function PaymentMethodPage(props: { shell: BillingShell; subscription: SubscriptionView | null }) {
  const { shell, subscription: sub } = props;
  const live = sub !== null && sub.status !== 'expired';
  return (
    <BillingLayout shell={shell} title="Payment method">
      <h1 class="page-title">Your card for renewals</h1>
      {live ? (
        <>
          <p>
            Card on file: <strong class="subscription-card">{sub.paymentMethod ?? 'none'}</strong>.
          </p>
          {sub.overdue && (
            <p class="notice overdue" role="alert">
              Your last payment did not go through. Once you save a new card, we try again straight away.
            </p>
          )}
          <p>You will be taken to our payment provider to enter a new card; nothing is charged to save it.</p>
          <ButtonForm action="/account/payment-method" label="Add a new card" primary />
        </>
      ) : (
        <p>
          You have no subscription to pay for. <a href="/subscribe">See the plans</a>
        </p>
      )}
      <p>
        <a href="/account">Back to your account</a>
      </p>
    </BillingLayout>
  );
}

/** An action that could not be done (a second click, a race): what happened, and the way back. */
export function BillingProblemPage(props: { shell: BillingShell; title: string; message: string }) {
  return (
    <BillingLayout shell={props.shell} title={props.title}>
      <h1 class="page-title">{props.title}</h1>
      <p class="notice form-error" role="alert">
        {props.message}
      </p>
      <p>
        <a href="/account">Back to your account</a>
      </p>
    </BillingLayout>
  );
}
