import { validatePaymentVerification } from 'razorpay/dist/utils/razorpay-utils.js';
import { systemClock, type Clock } from '../../kernel/clock.js';
import { AppError } from '../../kernel/errors.js';
import { money, type Money } from '../../kernel/money.js';
import { truncateText } from '../../kernel/text.js';
import type {
  ChargeRequest,
  ChargeResult,
  CheckoutOutcome,
  CheckoutRequest,
  PaymentGateway,
  RefundResult,
} from './gateway.js';
import { notesOf, razorpayCall, RazorpayApiError, razorpayClient, receiptFor } from './razorpay-client.js';
import { noteKind, parseRazorpayWebhook } from './razorpay-webhooks.js';

/**
 * The Razorpay adapter: recurring card payments in India on Razorpay's "Recurring Payments" for
 * cards. A checkout is an Order set up for a card token (`method: card`, `token: {max_amount,
 * expire_at, frequency}`) paid by the reader in Razorpay's checkout widget on a Masthead page
 * (`razorpay-routes.tsx`); a renewal is a new Order charged with the saved token
 * (`payments.createRecurringPayment`). Razorpay types stay in this file and its `razorpay-*`
 * siblings.
 */

export interface RazorpayGatewayOptions {
  readonly keyId: string;
  readonly keySecret: string;
  readonly webhookSecret: string;
  /** Masthead's absolute URL: the checkout page the widget opens on is served there. */
  readonly publicUrl: string;
  /** Razorpay's API origin; unset, `https://api.razorpay.com`. For a stand-in or an egress proxy. */
  readonly apiUrl?: string;
  readonly clock?: Clock;
}

/** What the checkout page needs for an order: the widget's options, or where to send the reader. */
export type RazorpayCheckoutPage =
  | {
      readonly status: 'open';
      /** The public key id the widget is opened with (never the secret). */
      readonly keyId: string;
      readonly orderId: string;
      readonly customerId: string;
      readonly reference: string;
      readonly mode: 'payment' | 'setup';
      /** What the widget will take now: the first payment, or the ₹1 card check in setup mode. */
      readonly amount: Money;
      readonly description: string;
      readonly customer: { readonly name: string; readonly email: string };
      readonly cancelUrl: string;
      /** Seconds until the checkout ends: the widget's `timeout`, after which it takes no payment. */
      readonly secondsLeft: number;
    }
  | { readonly status: 'paid'; readonly successUrl: string }
  | { readonly status: 'expired'; readonly cancelUrl: string };

/** What the widget hands the page after a successful payment, posted to the callback. */
export interface RazorpayPaymentConfirmation {
  readonly orderId: string;
  readonly paymentId: string;
  readonly signature: string;
}

/** The gateway, plus what its checkout page and callback (`razorpayRoutes`) need. */
export interface RazorpayGateway extends PaymentGateway {
  readonly name: 'razorpay';
  /** The widget's view of a checkout order; `not_found` for an order that is not a Masthead checkout. */
  checkoutPage(orderId: string): Promise<RazorpayCheckoutPage>;
  /**
   * Checks the widget's confirmation (HMAC-SHA256 of `order_id|payment_id` with the key secret,
   * by the SDK's `validatePaymentVerification`) and answers the checkout's success URL. A forged
   * or mismatched confirmation is a `bad_request`.
   */
  confirmCheckout(confirmation: RazorpayPaymentConfirmation): Promise<{ readonly redirectTo: string }>;
}

/**
 * Razorpay takes card mandates in INR only, and a card mandate may debit at most ₹15,000 at a
 * time without the reader authenticating again (RBI's e-mandate limit, and the SDK's documented
 * maximum for `token.max_amount`). The mandate asks for that maximum rather than the plan's price,
 * so a plan change or a price rise never needs a new mandate; the reader's bank still notifies
 * them before each debit.
 */
const mandateMaxAmountMinor = 1_500_000;
/** Razorpay's smallest card payment (₹1): the card check of a setup checkout. */
const verificationAmountMinor = 100;
/**
 * Razorpay orders never expire by themselves: the order's notes carry when Masthead's checkout
 * ends (`expires_at`), after which its page no longer opens the widget. An order written before
 * they did ends a day after it was created.
 */
const legacyCheckoutLifetimeMs = 24 * 60 * 60 * 1000;
/** How long a card token may be charged: Razorpay's default, ten years. */
const mandateLifetimeMs = 10 * 365 * 24 * 60 * 60 * 1000;
/** Razorpay's limit for each note's value. */
const noteLimit = 256;

const ids = {
  order: /^order_[A-Za-z0-9]{1,40}$/,
  payment: /^pay_[A-Za-z0-9]{1,40}$/,
  token: /^token_[A-Za-z0-9]{1,40}$/,
  customer: /^cust_[A-Za-z0-9]{1,40}$/,
} as const;

/** The parts of a Razorpay payment the adapter reads. */
interface PaymentView {
  readonly id: string;
  readonly status: string;
  readonly captured: boolean;
  readonly amount: number | string;
  readonly currency: string;
  readonly amount_refunded?: number;
  readonly token_id: string | null;
  readonly customer_id: string;
  readonly contact: string | number;
  readonly error_description: string | null;
  readonly error_reason: string | null;
  readonly created_at: number;
}

/** Builds the Razorpay gateway. Talks to Razorpay only when one of its methods is called. */
export function createRazorpayGateway(options: RazorpayGatewayOptions): RazorpayGateway {
  const { keyId, keySecret, webhookSecret } = options;
  const clock = options.clock ?? systemClock;
  const publicUrl = options.publicUrl.replace(/\/+$/, '');
  const client = razorpayClient({
    keyId,
    keySecret,
    ...(options.apiUrl !== undefined && { apiUrl: options.apiUrl }),
  });

  /** A Masthead checkout order and its notes; `not_found` for anything else. */
  async function checkoutOrder(orderId: string) {
    if (!ids.order.test(orderId)) throw new AppError('not_found', 'That Razorpay checkout was not found.');
    let order;
    try {
      order = await razorpayCall('fetch an order', () => client.orders.fetch(orderId));
    } catch (error) {
      if (error instanceof RazorpayApiError && (error.status === 400 || error.status === 404)) {
        throw new AppError('not_found', 'That Razorpay checkout was not found.');
      }
      throw error;
    }
    const notes = notesOf(order.notes);
    const reference = notes.reference;
    const customerId = notes.customer_id;
    const successUrl = notes.success_url;
    const cancelUrl = notes.cancel_url;
    const expiresAtSeconds = Number(notes.expires_at);
    if (notes.masthead !== noteKind.checkout || !reference || !customerId || !successUrl || !cancelUrl) {
      throw new AppError('not_found', 'That Razorpay checkout was not found.');
    }
    return {
      id: order.id,
      status: order.status,
      amount: money(Number(order.amount), order.currency),
      expiresAt:
        notes.expires_at !== undefined && Number.isSafeInteger(expiresAtSeconds)
          ? expiresAtSeconds * 1000
          : order.created_at * 1000 + legacyCheckoutLifetimeMs,
      mode: notes.mode === 'setup' ? ('setup' as const) : ('payment' as const),
      description: notes.description ?? '',
      reference,
      customerId,
      successUrl,
      cancelUrl,
    };
  }

  const expired = (order: { expiresAt: number }) => clock.now().getTime() >= order.expiresAt;

  async function paymentsOf(orderId: string): Promise<PaymentView[]> {
    const { items } = await razorpayCall('list an order’s payments', () =>
      client.orders.fetchPayments(orderId),
    );
    return [...items].sort((a, b) => b.created_at - a.created_at);
  }

  /**
   * Refunds `amountMinor` of a payment once per `receipt`. Razorpay has no idempotency key, so
   * the payment's refunds are read first and one with this receipt is the answer. That makes a
   * retry after a crash or a lost answer safe; two calls racing each other with the same receipt
   * can still both refund (Razorpay does not make receipts unique), which callers prevent by
   * refunding one payment from one place at a time. A payment with more than 100 refunds would
   * hide older ones; Masthead makes one or two per payment.
   */
  async function refundOnce(
    paymentId: string,
    amountMinor: number,
    receipt: string,
    kind: string,
  ): Promise<RefundResult> {
    const { items } = await razorpayCall('list a payment’s refunds', () =>
      client.payments.fetchMultipleRefund(paymentId, { count: 100 }),
    );
    const earlier = items.find((refund) => refund.receipt === receipt);
    if (earlier) {
      if (earlier.amount !== amountMinor) {
        throw new AppError('conflict', `The refund ${receipt} of ${paymentId} was made for another amount.`);
      }
      return refundResult(earlier);
    }
    try {
      const refund = await razorpayCall('refund a payment', () =>
        client.payments.refund(paymentId, { amount: amountMinor, receipt, notes: { masthead: kind } }),
      );
      return refundResult(refund);
    } catch (error) {
      // Too much to refund, an uncaptured or unknown payment: Razorpay's answer, not an outage.
      if (error instanceof RazorpayApiError && error.status === 400 && error.code === 'BAD_REQUEST_ERROR') {
        return { ok: false, reason: error.description };
      }
      throw error;
    }
  }

  /**
   * Renewals need the reader's phone number and Masthead never asks for one; the reader gives it
   * to the checkout widget, which puts it on the payment but not on the customer. Copy it there.
   */
  async function rememberContact(customerId: string, payment: PaymentView): Promise<void> {
    const contact = String(payment.contact ?? '');
    if (contact === '') return;
    const customer = await razorpayCall('fetch a customer', () => client.customers.fetch(customerId));
    if (customer.contact !== undefined && String(customer.contact) !== '') return;
    await razorpayCall('update a customer', () => client.customers.edit(customerId, { contact }));
  }

  async function cardLabel(customerId: string, tokenId: string): Promise<string> {
    const token = await razorpayCall('fetch a card token', () =>
      client.customers.fetchToken(customerId, tokenId),
    );
    const card = token.card;
    if (!card?.last4) return 'Card';
    const network = card.network && card.network !== 'Unknown' ? card.network : 'Card';
    return `${network} •••• ${card.last4}`;
  }

  /** The first attempt's result for a renewal order, or null when no payment was made on it yet. */
  async function chargeOutcome(orderId: string): Promise<ChargeResult | null> {
    const payments = await paymentsOf(orderId);
    const taken = payments.find((payment) => payment.status !== 'failed');
    if (taken) return { ok: true, paymentRef: taken.id };
    const failed = payments[0];
    if (!failed) return null;
    return {
      ok: false,
      paymentRef: failed.id,
      code: chargeCode(failed.error_reason),
      reason: failed.error_description ?? 'The payment failed.',
    };
  }

  return {
    name: 'razorpay',

    async createCheckout(input: CheckoutRequest) {
      requireInr(input.amount);
      if (input.mode === 'payment') {
        if (input.amount.amountMinor < verificationAmountMinor) {
          throw new AppError('bad_request', 'Razorpay takes card payments of ₹1 or more.');
        }
        if (input.amount.amountMinor > mandateMaxAmountMinor) {
          throw new AppError(
            'bad_request',
            'Razorpay renews cards automatically only up to ₹15,000 a payment.',
          );
        }
      }
      // The success and cancel URLs travel with the order, in its notes, rather than in a map in
      // this process: the callback and the page may be served after a restart or by another
      // instance, and the order is read there anyway.
      const notes = {
        masthead: noteKind.checkout,
        reference: input.reference,
        mode: input.mode,
        description: truncateText(input.description, noteLimit),
        success_url: fitsNote('successUrl', input.successUrl),
        cancel_url: fitsNote('cancelUrl', input.cancelUrl),
        expires_at: String(Math.floor(input.expiresAt.getTime() / 1000)),
      };
      const customer = await razorpayCall('create a customer', () =>
        client.customers.create({
          name: (input.customer.name.trim() || input.customer.email).slice(0, 50),
          email: input.customer.email,
          // The reader's customer when Razorpay already has one with these details, rather than
          // an error (the API's "0"; the SDK types the flag as 0 | 1).
          fail_existing: 0,
          notes: { masthead_account: input.customer.id },
        }),
      );
      // In setup mode the widget takes the smallest card payment Razorpay allows (₹1): a card
      // mandate cannot be set up with nothing. It is refunded as soon as the checkout is seen paid.
      const amount = input.mode === 'setup' ? verificationAmountMinor : input.amount.amountMinor;
      const order = await razorpayCall('create an order', () =>
        client.orders.create({
          amount,
          currency: input.amount.currency,
          customer_id: customer.id,
          method: 'card',
          payment_capture: true,
          token: {
            max_amount: mandateMaxAmountMinor,
            expire_at: Math.floor((clock.now().getTime() + mandateLifetimeMs) / 1000),
            // Masthead's plans renew monthly, yearly or every two years: debits come as presented.
            frequency: 'as_presented',
          },
          receipt: receiptFor(input.reference),
          notes: { ...notes, customer_id: customer.id },
        }),
      );
      return { sessionId: order.id, url: `${publicUrl}/payments/razorpay/checkout/${order.id}` };
    },

    /**
     * The order and its payments. Once paid it also finishes the checkout on Razorpay's side, each
     * step safe to repeat: the reader's phone number is copied to the customer (renewals need it)
     * and a setup checkout's ₹1 card check is refunded (once per order, by receipt).
     */
    async retrieveCheckout(sessionId: string): Promise<CheckoutOutcome> {
      const order = await checkoutOrder(sessionId);
      const payments = await paymentsOf(order.id);
      // Captured, or captured and since refunded (a setup checkout's card check).
      const paid = payments.find((payment) => payment.captured);
      if (!paid) {
        if (expired(order)) {
          return {
            status: 'expired',
            reference: order.reference,
            reason: 'The checkout expired before it was paid.',
          };
        }
        return { status: 'open' };
      }
      if (!paid.token_id) {
        // The order asked for a token, so Razorpay should never take the payment without one; if
        // it did, renewals are impossible and someone has to look at it.
        throw new Error(
          `Razorpay took payment ${paid.id} for order ${order.id} without saving a card token.`,
        );
      }
      const customerId = paid.customer_id || order.customerId;
      const label = await cardLabel(customerId, paid.token_id);
      await rememberContact(customerId, paid);
      if (order.mode === 'setup' && (paid.amount_refunded ?? 0) < Number(paid.amount)) {
        const refunded = await refundOnce(
          paid.id,
          Number(paid.amount),
          receiptFor(`verification:${order.id}`),
          noteKind.verification,
        );
        if (!refunded.ok)
          throw new Error(`The card check ${paid.id} could not be refunded: ${refunded.reason}`);
      }
      return {
        status: 'paid',
        reference: order.reference,
        paymentRef: order.mode === 'setup' ? null : paid.id,
        amount:
          order.mode === 'setup'
            ? money(0, order.amount.currency)
            : money(Number(paid.amount), paid.currency),
        paymentMethod: { ref: paid.token_id, label, customerRef: customerId },
      };
    },

    /**
     * A renewal: an Order with `receipt` = the idempotency key (hashed when over 40 characters),
     * then a recurring payment on it with the saved token.
     *
     * Razorpay has no idempotency-key header. Before creating anything this looks for an order
     * with that receipt: if one exists, its payment's outcome is the answer (or, when the earlier
     * attempt stopped before paying, the payment is made on that same order). Since an order is
     * paid at most once, a retry after a crash, a timeout or a lost answer never charges twice.
     * The same key with another amount or reference is a caller's bug, refused as a `conflict`.
     * What it does not guarantee: two calls with the same key at the same moment both find no
     * order and each create one, so the caller must not run one renewal in parallel with itself
     * (the billing sweep charges each payment from one place at a time).
     *
     * Razorpay sends the bank a pre-debit notice before debiting a card, so a payment may still be
     * pending when this answers `ok: true`; `charge.failed` from the webhook then reports a debit
     * that failed later.
     */
    async charge(input: ChargeRequest): Promise<ChargeResult> {
      requireInr(input.amount);
      const token = input.paymentMethodRef;
      const customerId = input.customerRef;
      if (!ids.token.test(token) || customerId === null || !ids.customer.test(customerId)) {
        throw new AppError(
          'bad_request',
          'A Razorpay renewal needs a card token (token_…) and its customer (cust_…).',
        );
      }
      const receipt = receiptFor(input.idempotencyKey);
      const { items } = await razorpayCall('find an order by receipt', () =>
        client.orders.all({ receipt, count: 10 }),
      );
      let order = items.find(
        (candidate) => candidate.receipt === receipt && notesOf(candidate.notes).masthead === noteKind.charge,
      );
      if (order) {
        if (
          Number(order.amount) !== input.amount.amountMinor ||
          notesOf(order.notes).reference !== input.reference
        ) {
          throw new AppError(
            'conflict',
            `The idempotency key ${input.idempotencyKey} was used for another charge.`,
          );
        }
        const outcome = await chargeOutcome(order.id);
        if (outcome) return outcome;
      }
      const customer = await razorpayCall('fetch a customer', () => client.customers.fetch(customerId));
      const email = customer.email ?? '';
      const contact = String(customer.contact ?? '');
      if (email === '' || contact === '') {
        return {
          ok: false,
          paymentRef: null,
          code: 'customer_details_missing',
          reason: 'Your card needs to be added again before it can be charged automatically.',
        };
      }
      const notes = { masthead: noteKind.charge, reference: input.reference };
      order ??= await razorpayCall('create an order', () =>
        client.orders.create({
          amount: input.amount.amountMinor,
          currency: input.amount.currency,
          receipt,
          payment_capture: true,
          notes,
        }),
      );
      const orderId = order.id;
      try {
        const created = await razorpayCall('create a recurring payment', () =>
          client.payments.createRecurringPayment({
            email,
            contact,
            amount: input.amount.amountMinor,
            currency: input.amount.currency,
            order_id: orderId,
            customer_id: customerId,
            token,
            recurring: '1',
            description: truncateText(input.description, 255),
            notes,
          }),
        );
        if (!created.razorpay_payment_id) {
          throw new Error(`Razorpay accepted the recurring payment for ${orderId} without a payment id.`);
        }
        return { ok: true, paymentRef: created.razorpay_payment_id };
      } catch (error) {
        const declined = declineOf(error);
        if (declined) return declined;
        throw error;
      }
    },

    /**
     * `payments.refund` with `receipt` = the idempotency key (hashed when over 40 characters); a
     * refund of the payment with that receipt is the first attempt's answer (see `refundOnce`).
     */
    async refund(input) {
      if (!ids.payment.test(input.paymentRef)) {
        throw new AppError('bad_request', 'A Razorpay refund needs a payment id (pay_…).');
      }
      return refundOnce(
        input.paymentRef,
        input.amount.amountMinor,
        receiptFor(input.idempotencyKey),
        noteKind.refund,
      );
    },

    parseWebhook: (rawBody, headers) => parseRazorpayWebhook(rawBody, headers, webhookSecret),

    async checkoutPage(orderId) {
      const order = await checkoutOrder(orderId);
      if (order.status === 'paid') return { status: 'paid', successUrl: order.successUrl };
      if (expired(order)) return { status: 'expired', cancelUrl: order.cancelUrl };
      const customer = await razorpayCall('fetch a customer', () => client.customers.fetch(order.customerId));
      return {
        status: 'open',
        keyId,
        orderId: order.id,
        customerId: order.customerId,
        reference: order.reference,
        mode: order.mode,
        amount: order.amount,
        description: order.description,
        customer: { name: customer.name ?? '', email: customer.email ?? '' },
        cancelUrl: order.cancelUrl,
        secondsLeft: Math.max(1, Math.floor((order.expiresAt - clock.now().getTime()) / 1000)),
      };
    },

    async confirmCheckout({ orderId, paymentId, signature }) {
      const genuine = validatePaymentVerification(
        { order_id: orderId, payment_id: paymentId },
        signature,
        keySecret,
      );
      if (!genuine) {
        throw new AppError(
          'bad_request',
          'That payment confirmation is not signed by Razorpay for this order.',
        );
      }
      const order = await checkoutOrder(orderId);
      return { redirectTo: order.successUrl };
    },
  };
}

function requireInr(amount: Money): void {
  if (amount.currency !== 'INR') {
    throw new AppError('bad_request', `Razorpay renews card payments in INR only, not ${amount.currency}.`);
  }
}

function fitsNote(name: string, value: string): string {
  if (value.length > noteLimit) {
    throw new Error(`${name} is longer than the ${noteLimit} characters a Razorpay note holds.`);
  }
  return value;
}

/** A payment Razorpay refused (a value); anything else — a bad request, an outage — is not. */
function declineOf(error: unknown): ChargeResult | null {
  if (!(error instanceof RazorpayApiError) || error.status !== 400 || error.code !== 'BAD_REQUEST_ERROR') {
    return null;
  }
  if (error.reason === null || error.reason === 'input_validation_failed') return null;
  return {
    ok: false,
    paymentRef: error.metadata.payment_id ?? null,
    code: chargeCode(error.reason),
    reason: error.description,
  };
}

/** Razorpay's failure reason in the words of `ChargeResult.code`. */
function chargeCode(reason: string | null): string {
  if (reason === null) return 'declined';
  if (/insufficient/.test(reason)) return 'insufficient_funds';
  if (/authenticat/.test(reason)) return 'authentication_required';
  if (/expired/.test(reason)) return 'expired_card';
  return 'declined';
}

function refundResult(refund: { readonly id: string; readonly status: string }): RefundResult {
  return refund.status === 'failed'
    ? { ok: false, reason: 'Razorpay could not refund the payment.' }
    : { ok: true, refundRef: refund.id };
}
