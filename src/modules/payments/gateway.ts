import type { Money } from '../../kernel/money.js';

/**
 * The one shape every payment provider takes (sandbox, Stripe, Razorpay). An adapter turns its
 * provider's world into these values; no provider type escapes it. Expected outcomes (a declined
 * card) are values; a thrown error means an outage or a bug, and the caller retries later.
 */
export interface PaymentGateway {
  readonly name: GatewayName;

  /**
   * Starts the provider's hosted checkout. `mode: 'payment'` takes `amount` now and saves the
   * card for off-session renewals; `mode: 'setup'` only saves a card (a trial, a card change).
   */
  createCheckout(input: CheckoutRequest): Promise<{ readonly sessionId: string; readonly url: string }>;

  /** Asks the provider how a checkout ended: on the reader's return, and to reconcile a lost webhook. */
  retrieveCheckout(sessionId: string): Promise<CheckoutOutcome>;

  /**
   * Charges a saved card without the reader present. The same `idempotencyKey` never charges
   * twice: a retry after a crash gets the first attempt's result.
   */
  charge(input: ChargeRequest): Promise<ChargeResult>;

  /** Refunds all or part of a payment; `idempotencyKey` as for `charge`. */
  refund(input: RefundRequest): Promise<RefundResult>;

  /**
   * Verifies a webhook's signature over the raw body and normalises it. Throws
   * `WebhookSignatureError` when the signature is missing, wrong or too old, and
   * `WebhookPayloadError` when a signed body is not an event of the shape Masthead reads.
   */
  parseWebhook(
    rawBody: Buffer,
    headers: Readonly<Record<string, string | string[] | undefined>>,
  ): WebhookEvent;
}

export type GatewayName = 'sandbox' | 'stripe' | 'razorpay';

export interface CheckoutRequest {
  readonly mode: 'payment' | 'setup';
  /** Masthead's checkout id; it comes back in webhooks and outcomes. */
  readonly reference: string;
  /** Zero in setup mode. */
  readonly amount: Money;
  readonly description: string;
  readonly customer: { readonly id: string; readonly email: string; readonly name: string };
  /** Absolute URLs the reader's browser is sent to afterwards. */
  readonly successUrl: string;
  readonly cancelUrl: string;
  /**
   * When Masthead's checkout ends. The provider's session must stop taking payment then, not
   * at its own default (Stripe's and the sandbox's are a day): a reader paying a checkout
   * Masthead has closed would be charged for nothing. A payment that lands after it anyway (a
   * reader mid-payment at the moment it ends) is settled by the checkout all the same.
   */
  readonly expiresAt: Date;
}

export interface SavedPaymentMethod {
  /** The provider's token for the card, for off-session charges. */
  readonly ref: string;
  /** For the reader, e.g. `Visa •••• 4242`. */
  readonly label: string;
  /** The provider's customer the card belongs to, where it has one. */
  readonly customerRef: string | null;
}

export type CheckoutOutcome =
  | { readonly status: 'open' }
  | {
      readonly status: 'paid';
      readonly reference: string;
      /** The provider's id for the payment taken; null in setup mode. */
      readonly paymentRef: string | null;
      readonly amount: Money;
      readonly paymentMethod: SavedPaymentMethod;
    }
  | { readonly status: 'failed' | 'expired'; readonly reference: string; readonly reason: string };

export interface ChargeRequest {
  readonly idempotencyKey: string;
  readonly amount: Money;
  readonly paymentMethodRef: string;
  readonly customerRef: string | null;
  readonly description: string;
  /** Masthead's payment id; it comes back in webhooks. */
  readonly reference: string;
}

export type ChargeResult =
  | { readonly ok: true; readonly paymentRef: string }
  | {
      readonly ok: false;
      readonly paymentRef: string | null;
      /** `declined`, `authentication_required`, `insufficient_funds`, … */
      readonly code: string;
      /** A sentence a reader can be shown. */
      readonly reason: string;
    };

export interface RefundRequest {
  readonly idempotencyKey: string;
  readonly paymentRef: string;
  readonly amount: Money;
}

export type RefundResult =
  { readonly ok: true; readonly refundRef: string } | { readonly ok: false; readonly reason: string };

/**
 * What a webhook means to Masthead. `eventId` is the provider's id for the delivery's event:
 * recorded once, so a second delivery is a no-op.
 */
export type WebhookEvent =
  | {
      readonly eventId: string;
      readonly action: 'checkout.completed';
      readonly sessionId: string;
      readonly reference: string;
    }
  | {
      readonly eventId: string;
      readonly action: 'checkout.failed';
      readonly sessionId: string;
      readonly reference: string;
      readonly reason: string;
    }
  | {
      readonly eventId: string;
      readonly action: 'charge.succeeded';
      readonly reference: string;
      readonly paymentRef: string;
    }
  | {
      readonly eventId: string;
      readonly action: 'charge.failed';
      readonly reference: string;
      readonly paymentRef: string | null;
      readonly reason: string;
    }
  | { readonly eventId: string; readonly action: 'refund.succeeded'; readonly paymentRef: string }
  /** An event Masthead does not act on; acknowledged so the provider stops resending it. */
  | { readonly eventId: string; readonly action: 'ignored'; readonly type: string };

export class WebhookSignatureError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookSignatureError';
  }
}

/**
 * A correctly signed webhook whose body is not JSON, or not an event of the shape Masthead acts
 * on (a provider's API version Masthead does not read, a bug at the provider). The caller's fault
 * as far as the endpoint can tell: a 400, never a 500, and nothing is recorded, so a fixed
 * redelivery is still acted on.
 */
export class WebhookPayloadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookPayloadError';
  }
}
