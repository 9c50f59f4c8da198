import { z } from 'zod';
import type { Clock } from '../../../kernel/clock.js';
import {
  WebhookSignatureError,
  type CheckoutOutcome,
  type PaymentGateway,
  type WebhookEvent,
} from '../gateway.js';
import { cardLabel } from './cards.js';
import type { SandboxProcessor } from './processor.js';
import { sandboxSignatureHeader, verifySandboxSignature } from './webhooks.js';

/** The hosted page's URL for a session. */
export const sandboxCheckoutPath = (sessionId: string) =>
  `/sandbox/checkout/${encodeURIComponent(sessionId)}`;

const expiredReason = 'The checkout expired before it was paid.';

// What Masthead reads of an event: the envelope and, per type, the object's few fields it needs.
const Envelope = z.object({
  id: z.string().min(1),
  type: z.string().min(1),
  data: z.object({ object: z.record(z.string(), z.unknown()) }),
});
const SessionFields = z.object({ id: z.string(), reference: z.string() });
const ChargeFields = z.object({
  id: z.string(),
  reference: z.string(),
  failure_message: z.string().nullable(),
});

function header(
  headers: Readonly<Record<string, string | string[] | undefined>>,
  name: string,
): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    // A header sent twice is not a signature this processor makes.
    if (key.toLowerCase() === wanted) return typeof value === 'string' ? value : undefined;
  }
  return undefined;
}

/**
 * The sandbox as a `PaymentGateway`: the only place where the sandbox processor's values and
 * event format become Masthead's. It calls the processor in-process, where a real provider's
 * adapter would call its API; everything else (webhooks included) works as with a real one.
 */
export function createSandboxGateway(deps: {
  processor: SandboxProcessor;
  /** The webhook signing secret (`sandboxWebhookSecret(SESSION_SECRET)`). */
  secret: string;
  /** Masthead's public URL: the hosted page is served under it. */
  publicUrl: string;
  /** To judge a webhook's timestamp against. */
  clock: Clock;
}): PaymentGateway {
  const { processor, secret, clock } = deps;
  const publicUrl = deps.publicUrl.replace(/\/+$/, '');

  return {
    name: 'sandbox',

    async createCheckout(input) {
      const session = await processor.createSession({
        mode: input.mode,
        amount: input.amount,
        description: input.description,
        customerRef: input.customer.id,
        reference: input.reference,
        successUrl: input.successUrl,
        cancelUrl: input.cancelUrl,
      });
      return { sessionId: session.id, url: `${publicUrl}${sandboxCheckoutPath(session.id)}` };
    },

    async retrieveCheckout(sessionId): Promise<CheckoutOutcome> {
      const session = await processor.retrieveSession(sessionId);
      // Masthead only asks about sessions it created: an unknown one is a bug, not an outcome.
      if (!session) throw new Error(`The sandbox has no checkout session ${sessionId}.`);
      switch (session.status) {
        case 'open':
        case 'requires_action':
          return { status: 'open' };
        case 'expired':
          return { status: 'expired', reference: session.reference, reason: expiredReason };
        case 'failed':
          return {
            status: 'failed',
            reference: session.reference,
            reason: session.failureReason ?? 'The payment failed.',
          };
        case 'paid': {
          const method = session.paymentMethod;
          if (!method) throw new Error(`Paid sandbox session ${sessionId} has no payment method.`);
          return {
            status: 'paid',
            reference: session.reference,
            paymentRef: session.chargeId,
            amount: session.amount,
            paymentMethod: { ref: method.id, label: cardLabel(method), customerRef: method.customerRef },
          };
        }
      }
    },

    async charge(input) {
      const result = await processor.charge({
        idempotencyKey: input.idempotencyKey,
        amount: input.amount,
        paymentMethodRef: input.paymentMethodRef,
        reference: input.reference,
        description: input.description,
      });
      switch (result.status) {
        case 'succeeded':
          return { ok: true, paymentRef: result.charge.id };
        case 'failed':
          return { ok: false, paymentRef: result.charge.id, code: result.code, reason: result.reason };
        case 'payment_method_not_found':
          return { ok: false, paymentRef: null, code: 'payment_method_not_found', reason: result.reason };
      }
    },

    async refund(input) {
      const result = await processor.refund({
        idempotencyKey: input.idempotencyKey,
        chargeId: input.paymentRef,
        amount: input.amount,
      });
      return result.ok ? { ok: true, refundRef: result.refund.id } : { ok: false, reason: result.reason };
    },

    parseWebhook(rawBody, headers): WebhookEvent {
      const check = verifySandboxSignature(
        rawBody,
        header(headers, sandboxSignatureHeader),
        secret,
        clock.now(),
      );
      if (!check.valid) throw new WebhookSignatureError(check.reason);
      // Signed, so it is the sandbox's own: a body that does not parse is a bug, not an attack.
      const event = Envelope.parse(JSON.parse(rawBody.toString('utf8')));
      const { object } = event.data;
      const eventId = event.id;
      switch (event.type) {
        case 'checkout.session.completed': {
          const session = SessionFields.parse(object);
          return {
            eventId,
            action: 'checkout.completed',
            sessionId: session.id,
            reference: session.reference,
          };
        }
        case 'checkout.session.expired': {
          const session = SessionFields.parse(object);
          return {
            eventId,
            action: 'checkout.failed',
            sessionId: session.id,
            reference: session.reference,
            reason: expiredReason,
          };
        }
        case 'charge.succeeded': {
          const charge = ChargeFields.parse(object);
          return { eventId, action: 'charge.succeeded', reference: charge.reference, paymentRef: charge.id };
        }
        case 'charge.failed': {
          const charge = ChargeFields.parse(object);
          return {
            eventId,
            action: 'charge.failed',
            reference: charge.reference,
            paymentRef: charge.id,
            reason: charge.failure_message ?? 'The payment failed.',
          };
        }
        case 'charge.refunded':
          return { eventId, action: 'refund.succeeded', paymentRef: ChargeFields.parse(object).id };
        default:
          return { eventId, action: 'ignored', type: event.type };
      }
    },
  };
}
