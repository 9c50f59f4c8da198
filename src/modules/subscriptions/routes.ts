import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { singleLine } from '../../kernel/validation.js';
import { AppError } from '../../kernel/errors.js';
import type { Money } from '../../kernel/money.js';
import { requireReader, safeReturnTo } from '../accounts/index.js';
import { WebhookPayloadError, WebhookSignatureError, type PaymentGateway } from '../payments/index.js';
import type { Billing, PaymentView, SubscriptionView } from './service.js';

const moneyJson = (value: Money) => ({ amount: value.amountMinor, currency: value.currency });

/** The subscription as the JSON API shows it; amounts in minor units. */
export function subscriptionJson(view: SubscriptionView) {
  return {
    ...view,
    price: moneyJson(view.price),
    renewal: view.renewal && { at: view.renewal.at, amount: moneyJson(view.renewal.amount) },
  };
}

/** A payment as the JSON API shows it. */
export function paymentJson(payment: PaymentView) {
  return { ...payment, amount: moneyJson(payment.amount), refunded: moneyJson(payment.refunded) };
}

const id = z.string().regex(/^[a-z]{2,4}_[0-9a-z]{26}$/, 'expected an id such as pln_01…');

export const CheckoutBody = z
  .object({
    planId: id,
    coupon: z.string().trim().min(1).max(64).optional(),
    returnTo: z.string().max(2000).optional(),
    billingName: singleLine(z.string().trim().min(1).max(200)).optional(),
    billingState: z
      .string()
      .regex(/^\d{2}$/, 'expected a two-digit GST state code, e.g. 27 for Maharashtra')
      .optional(),
  })
  .strict();

/**
 * Where a started checkout is noted (the analytics recorder): called once per checkout a
 * reader starts, never awaited; it buffers and returns at once.
 */
export interface CheckoutStartRecorder {
  checkoutStarted(event: {
    readonly accountId: string;
    /** The device's anonymous reader id: ties what it read before signing in to the account. */
    readonly deviceId: string | undefined;
    readonly planId: string;
    readonly returnTo: string;
  }): void;
}

/** The reader's subscription API and the gateway's webhooks. */
export async function subscriptionRoutes(
  app: FastifyInstance,
  deps: {
    billing: Billing;
    gateway: PaymentGateway;
    /** Whether a two-digit code names an Indian state or territory. */
    isStateCode: (code: string) => boolean;
    /** The device's anonymous reader id (read, never created, here). */
    anonymousReaderId?: (request: FastifyRequest) => string | undefined;
    checkoutStarts?: CheckoutStartRecorder;
  },
): Promise<void> {
  const { billing, gateway } = deps;
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['billing'];

  async function signedInAccount(
    request: Parameters<typeof requireReader>[0],
    reply: Parameters<typeof requireReader>[1],
  ) {
    const session = await requireReader(request, reply);
    return session.account;
  }

  r.post(
    '/api/v1/checkout',
    {
      schema: {
        tags,
        summary: "Start paying for a plan: answers the gateway's checkout page",
        body: CheckoutBody,
      },
    },
    async (request, reply) => {
      const account = await signedInAccount(request, reply);
      const { billingState } = request.body;
      if (billingState !== undefined && !deps.isStateCode(billingState)) {
        throw new AppError('validation_failed', 'billingState: not a GST state code', {
          field: 'billingState',
        });
      }
      const returnTo = safeReturnTo(request.body.returnTo ?? '/account');
      const started = await billing.startCheckout({
        account,
        planId: request.body.planId,
        coupon: request.body.coupon,
        returnTo,
        billingName: request.body.billingName,
        billingState: billingState ?? null,
      });
      deps.checkoutStarts?.checkoutStarted({
        accountId: account.id,
        deviceId: deps.anonymousReaderId?.(request),
        planId: request.body.planId,
        returnTo,
      });
      return reply.status(201).send(started);
    },
  );

  r.get(
    '/api/v1/checkout/:id',
    {
      schema: {
        tags,
        summary: 'How a checkout ended (asks the gateway if still open)',
        params: z.object({ id }),
      },
    },
    async (request, reply) => {
      const account = await signedInAccount(request, reply);
      const checkout = await billing.findCheckout(account.id, request.params.id);
      if (!checkout) throw new AppError('not_found', 'The checkout was not found.');
      return { checkout: await billing.completeCheckout(checkout.id, `reader:${account.id}`) };
    },
  );

  r.get(
    '/api/v1/subscription',
    { schema: { tags, summary: "The reader's subscription" } },
    async (request, reply) => {
      const account = await signedInAccount(request, reply);
      const view = await billing.subscription(account.id);
      return { subscription: view && subscriptionJson(view) };
    },
  );

  r.post(
    '/api/v1/subscription/cancel',
    {
      schema: {
        tags,
        summary: 'Cancel at the end of the paid term',
        body: z
          .object({ reason: z.string().trim().max(500).optional() })
          .strict()
          .nullish(),
      },
    },
    async (request, reply) => {
      const account = await signedInAccount(request, reply);
      return {
        subscription: subscriptionJson(await billing.cancel(account.id, request.body?.reason || undefined)),
      };
    },
  );

  r.post(
    '/api/v1/subscription/resume',
    { schema: { tags, summary: 'Undo a cancellation before the term ends' } },
    async (request, reply) => {
      const account = await signedInAccount(request, reply);
      return { subscription: subscriptionJson(await billing.resume(account.id)) };
    },
  );

  r.post(
    '/api/v1/subscription/change',
    {
      schema: {
        tags,
        summary: 'Change plan: an upgrade now (unused time credited), a downgrade at the next renewal',
        body: z.object({ planId: id }).strict(),
      },
    },
    async (request, reply) => {
      const account = await signedInAccount(request, reply);
      const outcome = await billing.changePlan(account.id, request.body.planId);
      return {
        subscription: subscriptionJson(outcome.subscription),
        change:
          outcome.kind === 'upgrade'
            ? { kind: 'upgrade', charged: moneyJson(outcome.charged), credit: moneyJson(outcome.credit) }
            : { kind: 'downgrade', effectiveAt: outcome.effectiveAt.toISOString() },
      };
    },
  );

  r.post(
    '/api/v1/subscription/payment-method',
    {
      schema: {
        tags,
        summary: "Replace the card on file: answers the gateway's page to save one",
        body: z
          .object({ returnTo: z.string().max(2000).optional() })
          .strict()
          .nullish(),
      },
    },
    async (request, reply) => {
      const account = await signedInAccount(request, reply);
      const started = await billing.startCardChange(
        account,
        safeReturnTo(request.body?.returnTo ?? '/account'),
      );
      return reply.status(201).send(started);
    },
  );

  r.get(
    '/api/v1/payments',
    { schema: { tags, summary: "The reader's payments" } },
    async (request, reply) => {
      const account = await signedInAccount(request, reply);
      const payments = await billing.payments(account.id);
      return { payments: payments.map(paymentJson) };
    },
  );

  // Webhooks are verified over the exact bytes the gateway signed, so this scope reads raw bodies.
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
    scope.withTypeProvider<ZodTypeProvider>().post(
      '/webhooks/:provider',
      {
        schema: {
          tags,
          summary: "The payment gateway's signed notifications",
          params: z.object({ provider: z.string().max(20) }),
        },
      },
      async (request, reply) => {
        if (request.params.provider !== gateway.name) throw new AppError('not_found', 'No such webhook.');
        const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
        let event;
        try {
          event = gateway.parseWebhook(raw, request.headers);
        } catch (error) {
          if (error instanceof WebhookSignatureError) throw new AppError('bad_request', error.message);
          if (error instanceof WebhookPayloadError) {
            // Signed, so it came from whoever holds the secret: worth a look, not a 500.
            request.log.warn({ provider: gateway.name, reason: error.message }, 'unreadable signed webhook');
            throw new AppError('bad_request', error.message);
          }
          throw error;
        }
        const outcome = await billing.handleWebhook(event);
        return reply.status(200).send({ received: true, duplicate: outcome === 'duplicate' });
      },
    );
  });
}
