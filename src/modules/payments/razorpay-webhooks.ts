import { createHash } from 'node:crypto';
import Razorpay from 'razorpay';
import { z } from 'zod';
import { WebhookPayloadError, WebhookSignatureError, type WebhookEvent } from './gateway.js';
import { notesOf } from './razorpay-client.js';

/**
 * Razorpay's webhooks, turned into Masthead's few actions. Which of Masthead's flows a payment
 * belongs to is read from its notes, which the adapter sets on everything it creates:
 * `masthead: checkout` (the reader's first payment in the checkout widget), `charge` (a renewal),
 * `refund`, or `verification` (the refund of a setup checkout's ₹1 card check).
 */
export const noteKind = {
  checkout: 'checkout',
  charge: 'charge',
  refund: 'refund',
  verification: 'verification',
} as const;

const notes = z.unknown().transform(notesOf);
const Payment = z.object({
  id: z.string(),
  order_id: z.string().nullish(),
  error_description: z.string().nullish(),
  notes,
});
const Order = z.object({ id: z.string(), notes });
const Refund = z.object({ id: z.string(), payment_id: z.string(), notes });

// Only the envelope is read for every event; an entity is read only by the events acted on, so
// an event Masthead ignores can never fail to parse (and be redelivered for days).
const Envelope = z.object({ event: z.string(), payload: z.record(z.string(), z.unknown()).default({}) });

/** `payload.<name>.entity` of an event Masthead acts on; a correctly signed event without it is a 400. */
function entity<T extends z.ZodType>(
  event: string,
  payload: Readonly<Record<string, unknown>>,
  name: string,
  schema: T,
): z.output<T> {
  const wrapper = payload[name];
  const parsed = schema.safeParse(
    typeof wrapper === 'object' && wrapper !== null ? Reflect.get(wrapper, 'entity') : undefined,
  );
  if (!parsed.success) {
    throw new WebhookPayloadError(`A Razorpay ${event} webhook has no readable ${name}${at(parsed.error)}.`);
  }
  return parsed.data;
}

/** Where a payload first departs from the shape read, for the 400's message (never the values). */
function at(error: z.ZodError): string {
  const path = error.issues[0]?.path ?? [];
  return path.length > 0 ? ` (at ${path.join('.')})` : '';
}

/**
 * Verifies `X-Razorpay-Signature` (HMAC-SHA256 of the raw body with the webhook secret, checked
 * by the SDK) and normalises the event. Razorpay's signatures carry no timestamp, so "too old"
 * cannot be told here; a replayed delivery repeats its `x-razorpay-event-id` and is a no-op
 * where events are recorded once.
 */
export function parseRazorpayWebhook(
  rawBody: Buffer,
  headers: Readonly<Record<string, string | string[] | undefined>>,
  webhookSecret: string,
): WebhookEvent {
  const signature = headers['x-razorpay-signature'];
  if (typeof signature !== 'string' || signature === '') {
    throw new WebhookSignatureError('The Razorpay webhook has no X-Razorpay-Signature header.');
  }
  const body = rawBody.toString('utf8');
  if (!Razorpay.validateWebhookSignature(body, signature, webhookSecret)) {
    throw new WebhookSignatureError('The Razorpay webhook signature does not match its body.');
  }

  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new WebhookPayloadError('A correctly signed Razorpay webhook is not JSON.');
  }
  const parsed = Envelope.safeParse(json);
  if (!parsed.success) {
    throw new WebhookPayloadError(
      `A correctly signed Razorpay webhook is not an event Masthead reads${at(parsed.error)}.`,
    );
  }
  const { event, payload } = parsed.data;
  const header = headers['x-razorpay-event-id'];
  // Razorpay sends the header with every delivery; were it missing, a redelivery still has the
  // same body, so its hash still makes the second delivery a no-op.
  const eventId =
    typeof header === 'string' && header !== ''
      ? header
      : `sha256:${createHash('sha256').update(rawBody).digest('hex')}`;
  const ignored: WebhookEvent = { eventId, action: 'ignored', type: event };

  switch (event) {
    case 'order.paid': {
      const order = entity(event, payload, 'order', Order);
      const reference = order.notes.reference;
      if (order.notes.masthead !== noteKind.checkout || !reference) return ignored;
      return { eventId, action: 'checkout.completed', sessionId: order.id, reference };
    }
    case 'payment.captured': {
      const payment = entity(event, payload, 'payment', Payment);
      const reference = payment.notes.reference;
      if (!reference) return ignored;
      if (payment.notes.masthead === noteKind.checkout && payment.order_id) {
        return { eventId, action: 'checkout.completed', sessionId: payment.order_id, reference };
      }
      if (payment.notes.masthead === noteKind.charge) {
        return { eventId, action: 'charge.succeeded', reference, paymentRef: payment.id };
      }
      return ignored;
    }
    case 'payment.failed': {
      // A failed attempt in the checkout widget is not the end of the checkout: the reader can
      // try another card in the same widget, so only renewals fail here.
      const payment = entity(event, payload, 'payment', Payment);
      const reference = payment.notes.reference;
      if (payment.notes.masthead !== noteKind.charge || !reference) return ignored;
      return {
        eventId,
        action: 'charge.failed',
        reference,
        paymentRef: payment.id,
        reason: payment.error_description ?? 'The payment failed.',
      };
    }
    case 'refund.processed': {
      const refund = entity(event, payload, 'refund', Refund);
      // The setup checkout's card check is refunded by the adapter itself; Masthead never knew
      // that payment, so its refund means nothing to it.
      if (refund.notes.masthead === noteKind.verification) return ignored;
      return { eventId, action: 'refund.succeeded', paymentRef: refund.payment_id };
    }
    default:
      return ignored;
  }
}
