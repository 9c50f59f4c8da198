import { z } from 'zod';
import type { Clock } from '../../../kernel/clock.js';
import {
  WebhookPayloadError,
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

function jsonOf(rawBody: Buffer): unknown {
  try {
    return JSON.parse(rawBody.toString('utf8'));
  } catch {
    throw new WebhookPayloadError('The sandbox webhook is signed but its body is not JSON.');
  }
}

function readable<T extends z.ZodType>(what: string, schema: T, value: unknown): z.output<T> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue && issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
  throw new WebhookPayloadError(
    `The sandbox webhook is signed but its ${what} is not one Masthead reads${where}.`,
  );
}

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
        expiresAt: input.expiresAt,
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
      // Signed, but whoever holds the secret can still send a body Masthead cannot read: that is
      // a bad request (400), not a fault of ours (500).
      const event = readable('event', Envelope, jsonOf(rawBody));
      const { object } = event.data;
      const eventId = event.id;
      const session = () => readable(event.type, SessionFields, object);
      const charge = () => readable(event.type, ChargeFields, object);
      switch (event.type) {
        case 'checkout.session.completed': {
          const { id, reference } = session();
          return { eventId, action: 'checkout.completed', sessionId: id, reference };
        }
        case 'checkout.session.expired': {
          const { id, reference } = session();
          return {
            eventId,
            action: 'checkout.failed',
            sessionId: id,
            reference,
            reason: expiredReason,
          };
        }
        case 'charge.succeeded': {
          const { id, reference } = charge();
          return { eventId, action: 'charge.succeeded', reference, paymentRef: id };
        }
        case 'charge.failed': {
          const { id, reference, failure_message } = charge();
          return {
            eventId,
            action: 'charge.failed',
            reference,
            paymentRef: id,
            reason: failure_message ?? 'The payment failed.',
          };
        }
        case 'charge.refunded':
          return { eventId, action: 'refund.succeeded', paymentRef: charge().id };
        default:
          return { eventId, action: 'ignored', type: event.type };
      }
    },
  };
}
