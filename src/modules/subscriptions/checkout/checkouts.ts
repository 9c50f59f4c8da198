import type { Kysely } from 'kysely';
import type { CheckoutRow, Database } from '../../../db/schema.js';
import type { Clock } from '../../../kernel/clock.js';
import { AppError } from '../../../kernel/errors.js';
import { newId } from '../../../kernel/ids.js';
import { money, type Money } from '../../../kernel/money.js';
import type { CheckoutOutcome, PaymentGateway } from '../../payments/index.js';
import { termLabel, type Plan, type PlanService } from '../../plans/index.js';
import type { Actor, SubscriptionLedger } from '../ledger/ledger.js';
import { isLive } from '../domain/lifecycle.js';
import { priceFor, trialDaysFor, type TaxTerms } from '../domain/pricing.js';
import { hasEverSubscribed, subscriptionOf } from '../queries.js';
import {
  checkoutById,
  checkoutOfAccount,
  closeCheckout,
  insertCheckout,
  setGatewaySession,
  staleCheckouts,
  type SettleableStatus,
} from './queries.js';

/** The part of the coupons module a checkout uses. */
export interface CouponQuoter {
  quote(
    code: string,
    input: { planId: string; price: Money; accountId: string },
  ): Promise<
    | { ok: true; discount: { couponId: string; code: string; duration: 'once' | 'forever' } }
    | { ok: false; reason: string; message: string }
  >;
  /**
   * Holds one use of the coupon for the reader while the checkout is open (see the coupons
   * module): the limit counts checkouts not yet paid. A refusal is a value.
   */
  reserve(use: {
    couponId: string;
    accountId: string;
    checkoutId: string;
    expiresAt: Date;
  }): Promise<{ ok: true } | { ok: false; reason: string; message: string }>;
  /** Gives back the holds of a checkout that ended without opening a subscription. */
  release(trx: Kysely<Database>, checkoutId: string): Promise<void>;
  /** The price after the discount. */
  apply(price: Money, discountJson: string | null): Money;
  serialise(discount: { couponId: string; code: string; duration: 'once' | 'forever' }): string;
}

export interface Pricing {
  readonly plans: PlanService;
  readonly coupons: CouponQuoter;
  readonly taxTerms: () => Promise<TaxTerms>;
  readonly grossUp: (price: Money, terms: TaxTerms) => Money;
}

export interface CheckoutRequest {
  readonly account: { readonly id: string; readonly email: string; readonly name: string };
  readonly planId: string;
  readonly coupon?: string;
  /** A path on this site to come back to. */
  readonly returnTo: string;
  readonly billingName?: string;
  /** GST state code of the reader (place of supply). */
  readonly billingState?: string | null;
}

export type CheckoutState =
  | { readonly status: 'completed'; readonly subscriptionId: string | null; readonly returnTo: string }
  | { readonly status: 'open'; readonly returnTo: string }
  | { readonly status: 'failed' | 'expired'; readonly reason: string; readonly returnTo: string };

const checkoutLifetimeMs = 60 * 60_000;

/**
 * Checkouts: the reader pays on the gateway's hosted page, and comes back (or the gateway's
 * webhook arrives — whichever is first) to `complete`, which asks the gateway how it went
 * and opens the subscription once.
 */
export function createCheckouts(deps: {
  db: Kysely<Database>;
  clock: Clock;
  gateway: PaymentGateway;
  pricing: Pricing;
  ledger: SubscriptionLedger;
  publicUrl: string;
}) {
  const { db, clock, gateway, pricing, ledger, publicUrl } = deps;

  async function open(
    account: CheckoutRequest['account'],
    row: Omit<
      CheckoutRow,
      | 'id'
      | 'account_id'
      | 'gateway'
      | 'gateway_session'
      | 'status'
      | 'failure_reason'
      | 'created_at'
      | 'expires_at'
      | 'completed_at'
    >,
    mode: 'payment' | 'setup',
    description: string,
    cancelPath: string,
    coupon?: { couponId: string },
  ) {
    const id = newId('chk');
    const at = clock.now();
    const expiresAt = new Date(at.getTime() + checkoutLifetimeMs);
    if (coupon) {
      // Held from now until the checkout is paid or ends: quoting alone would let every reader
      // who opens a checkout before the first pays take the last use.
      const held = await pricing.coupons.reserve({
        couponId: coupon.couponId,
        accountId: account.id,
        checkoutId: id,
        expiresAt,
      });
      if (!held.ok) {
        throw new AppError('validation_failed', held.message, { field: 'coupon', reason: held.reason });
      }
    }
    const created: CheckoutRow = {
      ...row,
      id,
      account_id: account.id,
      gateway: gateway.name,
      gateway_session: null,
      status: 'open',
      failure_reason: null,
      created_at: at.toISOString(),
      expires_at: expiresAt.toISOString(),
      completed_at: null,
    };
    await insertCheckout(db, created).catch(async (error: unknown) => {
      if (coupon) await db.transaction().execute((trx) => pricing.coupons.release(trx, id));
      throw error;
    });
    const session = await gateway
      .createCheckout({
        mode,
        reference: id,
        amount: money(row.amount_minor, row.currency),
        description,
        customer: { id: account.id, email: account.email, name: account.name || row.billing_name },
        successUrl: `${publicUrl}/subscribe/return?checkout=${id}`,
        cancelUrl: `${publicUrl}${cancelPath}`,
        // The gateway's session ends with this checkout: nobody pays for one Masthead has closed.
        expiresAt,
      })
      .catch(async (error: unknown) => {
        // Never started at the gateway: it ends here, and gives back what it held.
        await fail(created, 'failed', 'The payment provider could not start the checkout.');
        throw error;
      });
    await setGatewaySession(db, id, session.sessionId);
    return { checkoutId: id, checkoutUrl: session.url };
  }

  async function activePlan(planId: string): Promise<Plan> {
    const plan = await pricing.plans.get(planId);
    if (!plan || !plan.active) throw new AppError('not_found', 'That plan is not on offer.');
    return plan;
  }

  const checkouts = {
    /** Starts paying for a plan; answers the gateway's checkout URL. */
    async start(request: CheckoutRequest): Promise<{ checkoutId: string; checkoutUrl: string }> {
      const { account } = request;
      const current = await subscriptionOf(db, account.id);
      if (current && isLive(current.status)) {
        throw new AppError('conflict', 'You already have a subscription; change its plan from your account.');
      }
      const plan = await activePlan(request.planId);
      const price = priceFor(plan);
      if (!price) throw new AppError('not_found', 'That plan has no price.');
      let discount: string | null = null;
      let couponId: string | undefined;
      if (request.coupon) {
        const quote = await pricing.coupons.quote(request.coupon, {
          planId: plan.id,
          price,
          accountId: account.id,
        });
        if (!quote.ok)
          throw new AppError('validation_failed', quote.message, { field: 'coupon', reason: quote.reason });
        discount = pricing.coupons.serialise(quote.discount);
        couponId = quote.discount.couponId;
      }
      const trialDays = trialDaysFor(plan, await hasEverSubscribed(db, account.id));
      const firstTerm = pricing.grossUp(pricing.coupons.apply(price, discount), await pricing.taxTerms());
      const due = trialDays > 0 ? money(0, price.currency) : firstTerm;
      return open(
        account,
        {
          purpose: 'subscribe',
          plan_id: plan.id,
          price_id: price.id,
          subscription_id: null,
          discount,
          amount_minor: due.amountMinor,
          currency: due.currency,
          trial_days: trialDays,
          billing_name: request.billingName?.trim() || account.name || account.email,
          billing_state: request.billingState ?? null,
          return_to: request.returnTo,
        },
        // Nothing to take now (a trial, a 100% coupon): the card is saved for the renewals.
        due.amountMinor > 0 ? 'payment' : 'setup',
        `${plan.name} — ${termLabel(plan.term)}${trialDays > 0 ? `, ${trialDays}-day free trial` : ''}`,
        // Back on the plan's form, still headed for the page the reader wanted (an article).
        `/subscribe?plan=${encodeURIComponent(plan.slug)}&returnTo=${encodeURIComponent(request.returnTo)}&checkout=canceled`,
        couponId === undefined ? undefined : { couponId },
      );
    },

    /** Saves a new card for the reader's subscription (after a failed payment, say). */
    async startCardChange(
      account: CheckoutRequest['account'],
      returnTo: string,
    ): Promise<{ checkoutId: string; checkoutUrl: string }> {
      const current = await subscriptionOf(db, account.id);
      if (!current || !isLive(current.status)) throw new AppError('not_found', 'You have no subscription.');
      return open(
        account,
        {
          purpose: 'payment_method',
          plan_id: null,
          price_id: null,
          subscription_id: current.id,
          discount: null,
          amount_minor: 0,
          currency: current.currency,
          trial_days: 0,
          billing_name: current.billing_name,
          billing_state: current.billing_state,
          return_to: returnTo,
        },
        'setup',
        'Card for future renewals',
        '/account',
      );
    },

    /** The checkout as the reader may see it (their own only). */
    find: (accountId: string, checkoutId: string): Promise<CheckoutRow | undefined> =>
      checkoutOfAccount(db, accountId, checkoutId),

    /**
     * Settles a checkout from the gateway's answer. Safe to call any number of times, from the
     * reader's return and from webhooks at once: the subscription opens once.
     *
     * An expired checkout is asked about again: the gateway may have taken a payment after
     * Masthead closed it (a reader mid-payment at the moment it ended, or a session that
     * outlived it). That payment is settled as if it had come in time, never kept for nothing:
     * it opens the subscription, or is refunded when it cannot (the reader subscribed since,
     * the coupon ran out).
     */
    async complete(checkoutId: string, actor: Actor): Promise<CheckoutState> {
      const checkout = await checkoutById(db, checkoutId);
      if (!checkout) throw new AppError('not_found', 'The checkout was not found.');
      const returnTo = checkout.return_to;
      if (checkout.status === 'expired' && checkout.gateway_session !== null) {
        const late = await gateway.retrieveCheckout(checkout.gateway_session);
        return late.status === 'paid' ? settlePaid(checkout, late, actor) : stateOf(checkout);
      }
      if (checkout.status !== 'open') return stateOf(checkout);
      if (checkout.gateway_session === null) {
        // Never reached the gateway (a crash between the two writes): nothing can be paid.
        if (new Date(checkout.expires_at) > clock.now()) return { status: 'open', returnTo };
        return fail(checkout, 'expired', 'The checkout expired before it was paid.');
      }
      const outcome = await gateway.retrieveCheckout(checkout.gateway_session);
      if (outcome.status === 'open') {
        if (new Date(checkout.expires_at) > clock.now()) return { status: 'open', returnTo };
        return fail(checkout, 'expired', 'The checkout expired before it was paid.');
      }
      if (outcome.status !== 'paid') return fail(checkout, outcome.status, outcome.reason);
      return settlePaid(checkout, outcome, actor);
    },

    /** Open checkouts past their lifetime: asks the gateway once more, then lets them go. */
    async sweepStale(actor: Actor): Promise<number> {
      const stale = await staleCheckouts(db, clock.now().toISOString(), 500);
      for (const { id } of stale) await checkouts.complete(id, actor);
      return stale.length;
    },
  };
  return checkouts;

  /**
   * Refunds a payment that bought nothing, in full; the key makes a second call (a webhook and
   * the reader's return at once) a no-op at the gateway. False when nothing was taken.
   */
  async function giveBack(
    outcome: Extract<CheckoutOutcome, { status: 'paid' }>,
    idempotencyKey: string,
  ): Promise<boolean> {
    if (outcome.paymentRef === null || outcome.amount.amountMinor === 0) return false;
    await gateway.refund({ idempotencyKey, paymentRef: outcome.paymentRef, amount: outcome.amount });
    return true;
  }

  /** Opens what a paid checkout (open, or expired and paid late) bought, once; or gives the money back. */
  async function settlePaid(
    checkout: CheckoutRow,
    outcome: Extract<CheckoutOutcome, { status: 'paid' }>,
    actor: Actor,
  ): Promise<CheckoutState> {
    const returnTo = checkout.return_to;
    const expected = money(checkout.amount_minor, checkout.currency);
    if (
      outcome.amount.amountMinor !== expected.amountMinor ||
      outcome.amount.currency !== expected.currency
    ) {
      // Never grant on a payment that is not what was asked for, nor keep it.
      const refunded = await giveBack(outcome, `mismatch:${checkout.id}`);
      return fail(
        checkout,
        'failed',
        `The amount paid does not match the checkout${refunded ? '; the payment was refunded' : ''}.`,
      );
    }
    if (checkout.purpose === 'payment_method') {
      const claimed = await closeCheckout(db, checkout.id, settledFrom(checkout), {
        status: 'completed',
        completed_at: clock.now().toISOString(),
      });
      if (claimed && checkout.subscription_id) {
        await ledger.updatePaymentMethod(checkout.subscription_id, outcome.paymentMethod, actor);
      }
      return { status: 'completed', subscriptionId: checkout.subscription_id, returnTo };
    }
    const started = await ledger.startFromCheckout(checkout, outcome, actor);
    if (started === 'duplicate') {
      // Two checkouts paid at once: the reader has a subscription already, so this money goes back.
      await giveBack(outcome, `duplicate:${checkout.id}`);
      return fail(checkout, 'failed', 'You already had a subscription; this payment was refunded.');
    }
    if (started === 'coupon_refused') {
      // The code was switched off (or used up) after this checkout quoted it: no discount is
      // given beyond what the publisher allows, and no money is kept without a subscription.
      const refunded = await giveBack(outcome, `coupon:${checkout.id}`);
      const code = checkout.discount === null ? '' : ` ${String(JSON.parse(checkout.discount).code)}`;
      return fail(
        checkout,
        'failed',
        `The code${code} was withdrawn before your payment completed, so no subscription was started; ${
          refunded ? 'your payment has been refunded' : 'nothing was charged'
        }. You can subscribe without it.`,
      );
    }
    const fresh = await checkoutById(db, checkout.id);
    if (!fresh) throw new Error(`Checkout ${checkout.id} vanished.`);
    return stateOf(fresh);
  }

  async function fail(
    checkout: CheckoutRow,
    status: 'failed' | 'expired',
    reason: string,
  ): Promise<CheckoutState> {
    await db.transaction().execute(async (trx) => {
      const ended = await closeCheckout(trx, checkout.id, settledFrom(checkout), {
        status,
        failure_reason: reason,
        completed_at: clock.now().toISOString(),
      });
      // The coupon use it held goes back, in the same transaction as the checkout ends.
      if (ended && checkout.discount !== null) await pricing.coupons.release(trx, checkout.id);
    });
    return { status, reason, returnTo: checkout.return_to };
  }
}

/**
 * The status a checkout is settled from: `expired` for one paid late, else `open` (a checkout
 * settled already matches neither, and the guarded update leaves it be).
 */
const settledFrom = (checkout: CheckoutRow): SettleableStatus =>
  checkout.status === 'expired' ? 'expired' : 'open';

function stateOf(checkout: CheckoutRow): CheckoutState {
  const returnTo = checkout.return_to;
  switch (checkout.status) {
    case 'completed':
      return { status: 'completed', subscriptionId: checkout.subscription_id, returnTo };
    case 'open':
      return { status: 'open', returnTo };
    default:
      return {
        status: checkout.status,
        reason: checkout.failure_reason ?? 'The payment did not go through.',
        returnTo,
      };
  }
}

export type Checkouts = ReturnType<typeof createCheckouts>;
