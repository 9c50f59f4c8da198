import type { Kysely } from 'kysely';
import type { Database, SubscriptionRow } from '../../../db/schema.js';
import { isUniqueViolation } from '../../../db/errors.js';
import { newId } from '../../../kernel/ids.js';
import type { Money } from '../../../kernel/money.js';
import type { ChargeResult, PaymentGateway } from '../../payments/index.js';
import { insertPayment } from '../queries.js';

/**
 * How long whoever started a charge may take over it before another process retries it: well
 * beyond the gateways' own timeouts.
 */
export const chargingLeaseMs = 10 * 60_000;
export const chargingLease = (from: Date) => new Date(from.getTime() + chargingLeaseMs).toISOString();

/**
 * What a charge says at the gateway. A retry under the same idempotency key must repeat the
 * first request exactly (Stripe refuses a key reused with other parameters), so a pending
 * payment is charged again with the words of its first attempt, rebuilt from its kind and plan.
 */
export function chargeDescription(kind: 'renewal' | 'upgrade', planName: string): string {
  return kind === 'upgrade' ? `Change to ${planName}` : `${planName} renewal`;
}

/** A charge claimed for sending: a `pending` payment that nobody else will send now. */
export interface ClaimedCharge {
  readonly id: string;
  readonly idempotencyKey: string;
  readonly amount: Money;
  readonly description: string;
}

/**
 * Claims an off-session charge by inserting its `pending` payment. The idempotency key is
 * unique: undefined when another process claimed the same charge first.
 */
export async function claimCharge(
  db: Kysely<Database>,
  input: {
    sub: SubscriptionRow;
    kind: 'renewal' | 'upgrade';
    plan: { id: string; name: string };
    priceId: string;
    amount: Money;
    idempotencyKey: string;
    period: { start: Date; end: Date };
    attempt: number;
    at: Date;
  },
): Promise<ClaimedCharge | undefined> {
  const { sub, amount, idempotencyKey, at } = input;
  const id = newId('pay');
  try {
    await insertPayment(db, {
      id,
      account_id: sub.account_id,
      subscription_id: sub.id,
      checkout_id: null,
      plan_id: input.plan.id,
      price_id: input.priceId,
      kind: input.kind,
      status: 'pending',
      amount_minor: amount.amountMinor,
      currency: amount.currency,
      idempotency_key: idempotencyKey,
      gateway: sub.gateway,
      gateway_ref: null,
      failure_reason: null,
      period_start: input.period.start.toISOString(),
      period_end: input.period.end.toISOString(),
      attempt: input.attempt,
      charging_until: chargingLease(at),
      created_at: at.toISOString(),
      settled_at: null,
    });
  } catch (error) {
    if (isUniqueViolation(error)) return undefined;
    throw error;
  }
  return { id, idempotencyKey, amount, description: chargeDescription(input.kind, input.plan.name) };
}

/** The gateway reference of a payment that took nothing (a discount covering the whole amount). */
export const nothingToCharge = 'no-charge';

/**
 * Sends a claimed charge to the card on file. Without a card it is a failed charge, not an
 * error; a thrown error is an outage, after which the payment stays pending. A charge of zero
 * (a 100% or larger discount) succeeds without the gateway, on every gateway: processors refuse
 * to charge nothing, and there is nothing to take.
 */
export function chargeCardOnFile(
  gateway: PaymentGateway,
  sub: Pick<SubscriptionRow, 'payment_method_ref' | 'gateway_customer'>,
  charge: ClaimedCharge,
): Promise<ChargeResult> {
  if (charge.amount.amountMinor === 0) return Promise.resolve({ ok: true, paymentRef: nothingToCharge });
  if (sub.payment_method_ref === null) {
    return Promise.resolve({
      ok: false,
      paymentRef: null,
      code: 'no_payment_method',
      reason: 'There is no card on file.',
    });
  }
  return gateway.charge({
    idempotencyKey: charge.idempotencyKey,
    amount: charge.amount,
    paymentMethodRef: sub.payment_method_ref,
    customerRef: sub.gateway_customer,
    description: charge.description,
    reference: charge.id,
  });
}
