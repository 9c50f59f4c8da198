import Stripe from 'stripe';
import { z } from 'zod';
import { money, type Money } from '../../kernel/money.js';
import {
  WebhookPayloadError,
  WebhookSignatureError,
  type ChargeRequest,
  type ChargeResult,
  type CheckoutOutcome,
  type CheckoutRequest,
  type PaymentGateway,
  type RefundRequest,
  type RefundResult,
  type SavedPaymentMethod,
  type WebhookEvent,
} from './gateway.js';

/** What the Stripe adapter needs: the account's secret key and the webhook endpoint's signing secret. */
export interface StripeGatewayOptions {
  /** `sk_live_…`, `sk_test_…` or a restricted `rk_…` key. */
  readonly secretKey: string;
  /** `whsec_…`, shown with the webhook endpoint in the Stripe dashboard. */
  readonly webhookSecret: string;
  /**
   * Another base URL for Stripe's API (a local stand-in, an egress proxy), e.g.
   * `http://127.0.0.1:12111`. Only its protocol, host and port are used: the SDK adds `/v1/…`.
   */
  readonly apiUrl?: string;
}

/**
 * Which of Masthead's flows a PaymentIntent belongs to, kept in its metadata beside the
 * reference. A checkout's PaymentIntent is followed through the Checkout Session's own events,
 * so its `payment_intent.*` events are acknowledged and ignored rather than read as a renewal.
 */
type Flow = 'checkout' | 'charge';

/**
 * The Stripe adapter: Checkout Sessions for the reader's first payment (saving the card for
 * off-session use), PaymentIntents confirmed off-session for renewals, Refunds, and signed
 * webhooks. Stripe's types stay in this file; callers see only the gateway's values.
 */
export function createStripeGateway(options: StripeGatewayOptions): PaymentGateway {
  const stripe = new Stripe(options.secretKey, { ...apiAddress(options.apiUrl), typescript: true });
  const { webhookSecret } = options;

  return {
    name: 'stripe',

    async createCheckout(input: CheckoutRequest) {
      const reference = input.reference;
      const currency = input.amount.currency.toLowerCase();
      try {
        // A customer per checkout: Stripe keeps the saved card on it for later off-session
        // charges, and the account id in its metadata ties it back to the reader.
        const customer = await stripe.customers.create({
          email: input.customer.email,
          name: input.customer.name,
          metadata: { account: input.customer.id },
        });
        const common = {
          customer: customer.id,
          client_reference_id: reference,
          metadata: { reference },
          success_url: input.successUrl,
          cancel_url: input.cancelUrl,
          // Stripe keeps a session payable for a day unless told otherwise; it must end with
          // Masthead's checkout (an hour, inside the 30 minutes to 24 hours Stripe accepts).
          expires_at: Math.floor(input.expiresAt.getTime() / 1000),
        };
        const session =
          input.mode === 'payment'
            ? await stripe.checkout.sessions.create({
                ...common,
                mode: 'payment',
                line_items: [
                  {
                    quantity: 1,
                    price_data: {
                      currency,
                      unit_amount: input.amount.amountMinor,
                      product_data: { name: input.description },
                    },
                  },
                ],
                payment_intent_data: {
                  setup_future_usage: 'off_session',
                  description: input.description,
                  metadata: flowMetadata(reference, 'checkout'),
                },
              })
            : await stripe.checkout.sessions.create({
                ...common,
                mode: 'setup',
                // Stripe needs a currency in setup mode to choose the payment methods to offer.
                currency,
                setup_intent_data: { description: input.description, metadata: { reference } },
              });
        if (session.url === null)
          throw new Error(`Stripe returned checkout session ${session.id} without a URL`);
        return { sessionId: session.id, url: session.url };
      } catch (error) {
        throw unavailable('start a checkout', error);
      }
    },

    async retrieveCheckout(sessionId: string): Promise<CheckoutOutcome> {
      let session: Stripe.Checkout.Session;
      try {
        session = await stripe.checkout.sessions.retrieve(sessionId, {
          expand: ['payment_intent.payment_method', 'setup_intent.payment_method'],
        });
      } catch (error) {
        throw unavailable(`retrieve checkout session ${sessionId}`, error);
      }
      return checkoutOutcome(session);
    },

    async charge(input: ChargeRequest): Promise<ChargeResult> {
      try {
        const intent = await stripe.paymentIntents.create(
          {
            amount: input.amount.amountMinor,
            currency: input.amount.currency.toLowerCase(),
            ...(input.customerRef === null ? {} : { customer: input.customerRef }),
            payment_method: input.paymentMethodRef,
            off_session: true,
            confirm: true,
            // Nobody is there to follow a redirect: without this, Stripe asks for a return_url.
            automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
            description: input.description,
            metadata: flowMetadata(input.reference, 'charge'),
          },
          { idempotencyKey: input.idempotencyKey },
        );
        return chargeResult(intent);
      } catch (error) {
        // A declined card is an answer, not an outage; Stripe sends it as an error (402).
        if (error instanceof Stripe.errors.StripeCardError) {
          return {
            ok: false,
            paymentRef: error.payment_intent?.id ?? null,
            ...chargeFailure(error.code, error.decline_code, error.message),
          };
        }
        throw unavailable(`charge for ${input.reference}`, error);
      }
    },

    async refund(input: RefundRequest): Promise<RefundResult> {
      try {
        const refund = await stripe.refunds.create(
          { payment_intent: input.paymentRef, amount: input.amount.amountMinor },
          { idempotencyKey: input.idempotencyKey },
        );
        if (refund.status === 'failed' || refund.status === 'canceled') {
          return { ok: false, reason: refundFailureReason(refund.failure_reason) };
        }
        // `pending` (some banks take days) counts as done: Stripe completes or reports it later.
        return { ok: true, refundRef: refund.id };
      } catch (error) {
        // Stripe refuses a refund it cannot make (already refunded, more than was paid, a
        // disputed charge) as an invalid request: retrying would never help, so it is an answer.
        if (error instanceof Stripe.errors.StripeInvalidRequestError) {
          return { ok: false, reason: error.message };
        }
        throw unavailable(`refund ${input.paymentRef}`, error);
      }
    },

    parseWebhook(rawBody, headers): WebhookEvent {
      const signature = header(headers, 'stripe-signature');
      if (signature === undefined) throw new WebhookSignatureError('The Stripe-Signature header is missing.');
      let event: unknown;
      try {
        // Stripe's default tolerance: a signature older than five minutes is refused (replays).
        event = stripe.webhooks.constructEvent(rawBody, signature, webhookSecret);
      } catch (error) {
        if (error instanceof Stripe.errors.StripeSignatureVerificationError) {
          throw new WebhookSignatureError(`The Stripe signature was refused: ${firstLine(error.message)}`);
        }
        // The SDK parses the body only once the signature holds: what fails here is a signed body
        // that is not JSON, or a thin event sent to a snapshot endpoint.
        const detail = error instanceof SyntaxError ? 'its body is not JSON' : firstLine(String(error));
        throw new WebhookPayloadError(`The Stripe webhook is signed but cannot be read: ${detail}.`);
      }
      return normaliseEvent(event);
    },
  };
}

/** The SDK's own options for another API address: it takes a host, a port and a protocol. */
function apiAddress(apiUrl: string | undefined): Pick<Stripe.StripeConfig, 'host' | 'port' | 'protocol'> {
  if (apiUrl === undefined) return {};
  const url = new URL(apiUrl);
  const protocol = url.protocol === 'http:' ? 'http' : 'https';
  return {
    protocol,
    // `[::1]` in a URL, `::1` to Node's http client.
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port === '' ? (protocol === 'http' ? 80 : 443) : Number(url.port),
  };
}

function flowMetadata(reference: string, flow: Flow): Record<string, string> {
  return { reference, flow };
}

/** An outage or a bug, thrown without the SDK's error type (which stays behind as `cause`). */
function unavailable(what: string, error: unknown): Error {
  const detail = error instanceof Error ? error.message : String(error);
  return new Error(`Stripe could not ${what}: ${detail}`, { cause: error });
}

function firstLine(text: string): string {
  return text.split('\n', 1)[0]!.trim();
}

function header(
  headers: Readonly<Record<string, string | string[] | undefined>>,
  name: string,
): string | undefined {
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== name) continue;
    // Node joins most repeated headers; an array here is a forged or mangled delivery.
    if (typeof value === 'string' && value !== '') return value;
    return undefined;
  }
  return undefined;
}

function idOf(value: string | { readonly id: string } | null): string | null {
  return value === null ? null : typeof value === 'string' ? value : value.id;
}

function amountOf(amountMinor: number | null, currency: string | null): Money {
  if (currency === null) throw new Error('Stripe returned an amount without a currency');
  return money(amountMinor ?? 0, currency.toUpperCase());
}

// ---------------------------------------------------------------------------------------------
// Checkout outcomes

function checkoutOutcome(session: Stripe.Checkout.Session): CheckoutOutcome {
  const reference = session.client_reference_id ?? session.metadata?.reference;
  if (reference === undefined) {
    throw new Error(`Stripe checkout session ${session.id} was not started by Masthead (no reference)`);
  }
  if (session.status === 'expired') {
    return { status: 'expired', reference, reason: 'The checkout expired before it was paid.' };
  }
  if (session.status !== 'complete') return { status: 'open' };

  const intent = expanded(session.payment_intent);
  if (session.payment_status === 'unpaid') {
    // Completed with a payment method that settles later (a bank debit): not paid yet, and
    // failed only once Stripe has given up on it.
    if (intent !== null && (intent.status === 'requires_payment_method' || intent.status === 'canceled')) {
      return {
        status: 'failed',
        reference,
        reason: chargeFailure(
          intent.last_payment_error?.code,
          intent.last_payment_error?.decline_code,
          intent.last_payment_error?.message,
        ).reason,
      };
    }
    return { status: 'open' };
  }

  const setup = expanded(session.setup_intent);
  const method =
    intent !== null
      ? expanded(intent.payment_method)
      : setup !== null
        ? expanded(setup.payment_method)
        : null;
  if (method === null) {
    throw new Error(
      `Stripe checkout session ${session.id} is complete but its payment method could not be read`,
    );
  }
  const customerRef = idOf(method.customer) ?? idOf(session.customer);
  return {
    status: 'paid',
    reference,
    paymentRef: intent?.id ?? null,
    amount: amountOf(session.mode === 'setup' ? 0 : session.amount_total, session.currency),
    paymentMethod: savedMethod(method, customerRef),
  };
}

/** The object of an expanded field; `retrieveCheckout` asks for expansion, so an id here is a bug. */
function expanded<T extends { readonly id: string }>(value: string | T | null): T | null {
  if (value === null) return null;
  if (typeof value === 'string') throw new Error(`Stripe did not expand ${value}`);
  return value;
}

const cardBrands: Readonly<Record<string, string>> = {
  visa: 'Visa',
  mastercard: 'Mastercard',
  amex: 'American Express',
  american_express: 'American Express',
  rupay: 'RuPay',
  discover: 'Discover',
  diners: 'Diners Club',
  diners_club: 'Diners Club',
  jcb: 'JCB',
  unionpay: 'UnionPay',
  cartes_bancaires: 'Cartes Bancaires',
  eftpos_au: 'eftpos',
  interac: 'Interac',
};

const methodNames: Readonly<Record<string, string>> = {
  sepa_debit: 'SEPA Direct Debit',
  bacs_debit: 'Bacs Direct Debit',
  au_becs_debit: 'BECS Direct Debit',
  acss_debit: 'Pre-authorised debit',
  us_bank_account: 'Bank account',
  upi: 'UPI',
  link: 'Link',
  paypal: 'PayPal',
};

/** `Visa •••• 4242` for a card; the method's name (and last four digits where it has them) otherwise. */
function savedMethod(method: Stripe.PaymentMethod, customerRef: string | null): SavedPaymentMethod {
  const card = method.card;
  let label: string;
  if (card) {
    label = `${cardBrands[card.display_brand ?? card.brand] ?? cardBrands[card.brand] ?? 'Card'} •••• ${card.last4}`;
  } else {
    const name =
      methodNames[method.type] ?? method.type.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase());
    const last4 =
      method.sepa_debit?.last4 ??
      method.bacs_debit?.last4 ??
      method.au_becs_debit?.last4 ??
      method.us_bank_account?.last4;
    label = last4 ? `${name} •••• ${last4}` : name;
  }
  return { ref: method.id, label, customerRef };
}

// ---------------------------------------------------------------------------------------------
// Charges

function chargeResult(intent: Stripe.PaymentIntent): ChargeResult {
  // `processing` is a payment that settles later (a bank debit). The gateway has no "pending"
  // answer, so it counts as taken; Stripe's payment_intent.payment_failed webhook (charge.failed)
  // says so if the bank refuses it after all.
  switch (intent.status) {
    case 'succeeded':
    case 'processing':
      return { ok: true, paymentRef: intent.id };
    case 'requires_action':
      return {
        ok: false,
        paymentRef: intent.id,
        ...chargeFailure('authentication_required', undefined, undefined),
      };
    default:
      return {
        ok: false,
        paymentRef: intent.id,
        ...chargeFailure(
          intent.last_payment_error?.code,
          intent.last_payment_error?.decline_code,
          intent.last_payment_error?.message,
        ),
      };
  }
}

const failures = {
  authentication_required:
    'Your bank asks you to approve this payment: pay once on the site to confirm your card.',
  insufficient_funds: 'Your card has insufficient funds.',
  expired_card: 'Your card has expired.',
  processing_error: 'Your card could not be charged because of an error at the bank.',
  declined: 'Your card was declined.',
} as const;

/**
 * Stripe's card-error code and the issuer's decline code, as the gateway's few codes and a
 * sentence for the reader. Lost, stolen and fraud declines read as a plain decline, as Stripe
 * advises: the reader is never told the card was flagged.
 */
function chargeFailure(
  code: string | undefined,
  declineCode: string | undefined,
  stripeMessage: string | undefined,
): { readonly code: string; readonly reason: string } {
  if (code === 'authentication_required' || declineCode === 'authentication_required') {
    return { code: 'authentication_required', reason: failures.authentication_required };
  }
  if (code === 'insufficient_funds' || declineCode === 'insufficient_funds') {
    return { code: 'insufficient_funds', reason: failures.insufficient_funds };
  }
  if (code === 'expired_card' || declineCode === 'expired_card') {
    return { code: 'expired_card', reason: failures.expired_card };
  }
  if (code === 'processing_error' || declineCode === 'processing_error') {
    return { code: 'processing_error', reason: failures.processing_error };
  }
  if (code === 'card_declined' || code === undefined) {
    return { code: 'declined', reason: failures.declined };
  }
  // Another card error (e.g. an unsupported currency): Stripe's message is written for the
  // customer, so it is shown rather than hidden behind a generic sentence.
  return { code, reason: stripeMessage ?? failures.declined };
}

function refundFailureReason(reason: string | undefined): string {
  switch (reason) {
    case 'expired_or_canceled_card':
      return 'The refund failed: the card it was to go back to has expired or been cancelled.';
    case 'lost_or_stolen_card':
      return 'The refund failed: the card it was to go back to was reported lost or stolen.';
    default:
      return 'The refund failed at the bank.';
  }
}

// ---------------------------------------------------------------------------------------------
// Webhooks

// What Masthead reads of an event, checked rather than trusted: a signed body in an API version
// Masthead was not written for (or a bug at Stripe) is a 400, not a crash. Only the envelope is
// read for every event, so an event Masthead ignores can never fail to parse.
const EventEnvelope = z.object({
  id: z.string().min(1),
  type: z.string().min(1),
  data: z.object({ object: z.record(z.string(), z.unknown()) }),
});
const SessionFields = z.object({
  id: z.string().min(1),
  client_reference_id: z.string().min(1).nullish(),
  payment_status: z.string().nullish(),
});
const IntentFields = z.object({
  id: z.string().min(1),
  metadata: z.record(z.string(), z.string()).nullish(),
  last_payment_error: z
    .object({
      code: z.string().nullish(),
      decline_code: z.string().nullish(),
      message: z.string().nullish(),
    })
    .nullish(),
});
const ChargeFields = z.object({
  payment_intent: z.union([z.string(), z.object({ id: z.string() }).loose()]).nullish(),
});

function fields<T extends z.ZodType>(type: string, schema: T, value: unknown): z.output<T> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const path = parsed.error.issues[0]?.path ?? [];
  const where = path.length > 0 ? ` (at ${path.join('.')})` : '';
  throw new WebhookPayloadError(`The Stripe ${type} webhook is signed but not one Masthead reads${where}.`);
}

function normaliseEvent(body: unknown): WebhookEvent {
  const event = fields('event', EventEnvelope, body);
  const eventId = event.id;
  const ignored: WebhookEvent = { eventId, action: 'ignored', type: event.type };
  const object = event.data.object;
  switch (event.type) {
    case 'checkout.session.completed':
    case 'checkout.session.async_payment_succeeded': {
      const session = fields(event.type, SessionFields, object);
      // Completed with a payment that settles later: it is done when async_payment_succeeded comes.
      if (!session.client_reference_id || session.payment_status === 'unpaid') return ignored;
      return {
        eventId,
        action: 'checkout.completed',
        sessionId: session.id,
        reference: session.client_reference_id,
      };
    }
    case 'checkout.session.expired':
    case 'checkout.session.async_payment_failed': {
      const session = fields(event.type, SessionFields, object);
      if (!session.client_reference_id) return ignored;
      return {
        eventId,
        action: 'checkout.failed',
        sessionId: session.id,
        reference: session.client_reference_id,
        reason:
          event.type === 'checkout.session.expired'
            ? 'The checkout expired before it was paid.'
            : 'The payment was not completed by the bank.',
      };
    }
    case 'payment_intent.succeeded': {
      const intent = fields(event.type, IntentFields, object);
      const reference = chargeReference(intent.metadata ?? {});
      if (reference === undefined) return ignored;
      return { eventId, action: 'charge.succeeded', reference, paymentRef: intent.id };
    }
    case 'payment_intent.payment_failed': {
      const intent = fields(event.type, IntentFields, object);
      const reference = chargeReference(intent.metadata ?? {});
      if (reference === undefined) return ignored;
      const error = intent.last_payment_error;
      return {
        eventId,
        action: 'charge.failed',
        reference,
        paymentRef: intent.id,
        reason: chargeFailure(
          error?.code ?? undefined,
          error?.decline_code ?? undefined,
          error?.message ?? undefined,
        ).reason,
      };
    }
    case 'charge.refunded': {
      const paymentRef = idOf(fields(event.type, ChargeFields, object).payment_intent ?? null);
      if (paymentRef === null) return ignored;
      return { eventId, action: 'refund.succeeded', paymentRef };
    }
    default:
      return ignored;
  }
}

/** The reference of a PaymentIntent Masthead charged off-session; none for a checkout's or a stranger's. */
function chargeReference(metadata: Readonly<Record<string, string | undefined>>): string | undefined {
  if (metadata.flow === 'checkout') return undefined;
  return metadata.reference || undefined;
}
