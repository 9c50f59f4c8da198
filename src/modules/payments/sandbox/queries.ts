import type { Kysely, Selectable } from 'kysely';
import type {
  Database,
  SandboxChargesTable,
  SandboxPaymentMethodsTable,
  SandboxSessionsTable,
} from '../../../db/schema.js';
import { money, type Money } from '../../../kernel/money.js';
import type { CardBrand, SavedCardBehaviour } from './cards.js';
import { unixSeconds, type SandboxChargeObject, type SandboxSessionObject } from './webhooks.js';

/** The sandbox's books as plain values, read from its own `sandbox_*` tables and no others. */

export type SandboxSessionStatus = SandboxSessionsTable['status'];

export interface SandboxPaymentMethod {
  readonly id: string;
  readonly customerRef: string;
  readonly brand: CardBrand;
  readonly last4: string;
  readonly behaviour: SavedCardBehaviour;
  readonly createdAt: string;
}

export interface SandboxSession {
  readonly id: string;
  readonly mode: 'payment' | 'setup';
  /** Zero in setup mode. */
  readonly amount: Money;
  readonly description: string;
  readonly customerRef: string;
  readonly reference: string;
  readonly successUrl: string;
  readonly cancelUrl: string;
  /**
   * As the payer sees it: an open session past its expiry is `expired` here even before
   * `expireDue` has swept it (and sent its webhook).
   */
  readonly status: SandboxSessionStatus;
  /** Why the last attempt failed (a decline, a failed authentication); null once paid. */
  readonly failureReason: string | null;
  /** The saved card once paid; the card awaiting authentication in `requires_action`. */
  readonly paymentMethod: SandboxPaymentMethod | null;
  /** The charge taken at checkout (payment mode, once paid). */
  readonly chargeId: string | null;
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly completedAt: string | null;
}

export interface SandboxCharge {
  readonly id: string;
  readonly status: 'succeeded' | 'failed';
  readonly amount: Money;
  readonly refunded: Money;
  readonly reference: string;
  readonly paymentMethodId: string;
  /** `card_declined` for a failed charge: the only way a sandbox charge fails. */
  readonly failureCode: string | null;
  readonly failureReason: string | null;
  readonly createdAt: string;
}

export interface SandboxRefund {
  readonly id: string;
  readonly chargeId: string;
  readonly amount: Money;
  readonly createdAt: string;
}

const brands: readonly CardBrand[] = ['visa', 'mastercard', 'amex', 'rupay', 'unknown'];

function toPaymentMethod(row: Selectable<SandboxPaymentMethodsTable>): SandboxPaymentMethod {
  return {
    id: row.id,
    customerRef: row.customer_ref,
    brand: brands.find((brand) => brand === row.brand) ?? 'unknown',
    last4: row.last4,
    behaviour: row.behaviour === 'renewals_fail' ? 'renewals_fail' : 'ok',
    createdAt: row.created_at,
  };
}

/** A session is payable while it is open (or awaiting authentication) and not past its expiry. */
export const isLive = (status: SandboxSessionStatus) => status === 'open' || status === 'requires_action';

function toSession(
  row: Selectable<SandboxSessionsTable>,
  paymentMethod: SandboxPaymentMethod | null,
  now: Date,
): SandboxSession {
  const lapsed = isLive(row.status) && row.expires_at <= now.toISOString();
  return {
    id: row.id,
    mode: row.mode,
    amount: money(row.amount_minor, row.currency),
    description: row.description,
    customerRef: row.customer_ref,
    reference: row.reference,
    successUrl: row.success_url,
    cancelUrl: row.cancel_url,
    status: lapsed ? 'expired' : row.status,
    failureReason: row.failure_reason,
    paymentMethod,
    chargeId: row.charge_id,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    completedAt: row.completed_at,
  };
}

function toCharge(row: Selectable<SandboxChargesTable>): SandboxCharge {
  return {
    id: row.id,
    status: row.status,
    amount: money(row.amount_minor, row.currency),
    refunded: money(row.refunded_minor, row.currency),
    reference: row.reference,
    paymentMethodId: row.payment_method_id,
    failureCode: row.status === 'failed' ? 'card_declined' : null,
    failureReason: row.failure_reason,
    createdAt: row.created_at,
  };
}

export async function findPaymentMethod(
  db: Kysely<Database>,
  id: string,
): Promise<SandboxPaymentMethod | undefined> {
  const row = await db
    .selectFrom('sandbox_payment_methods')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirst();
  return row && toPaymentMethod(row);
}

export async function findSession(
  db: Kysely<Database>,
  id: string,
  now: Date,
): Promise<SandboxSession | undefined> {
  const row = await db.selectFrom('sandbox_sessions').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) return undefined;
  const method = row.payment_method_id ? await findPaymentMethod(db, row.payment_method_id) : undefined;
  return toSession(row, method ?? null, now);
}

export async function findCharge(db: Kysely<Database>, id: string): Promise<SandboxCharge | undefined> {
  const row = await db.selectFrom('sandbox_charges').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toCharge(row);
}

export async function findChargeByKey(
  db: Kysely<Database>,
  idempotencyKey: string,
): Promise<SandboxCharge | undefined> {
  const row = await db
    .selectFrom('sandbox_charges')
    .selectAll()
    .where('idempotency_key', '=', idempotencyKey)
    .executeTakeFirst();
  return row && toCharge(row);
}

export async function findRefundByKey(
  db: Kysely<Database>,
  idempotencyKey: string,
): Promise<SandboxRefund | undefined> {
  const row = await db
    .selectFrom('sandbox_refunds')
    .innerJoin('sandbox_charges', 'sandbox_charges.id', 'sandbox_refunds.charge_id')
    .select([
      'sandbox_refunds.id',
      'sandbox_refunds.charge_id',
      'sandbox_refunds.amount_minor',
      'sandbox_refunds.created_at',
      'sandbox_charges.currency',
    ])
    .where('sandbox_refunds.idempotency_key', '=', idempotencyKey)
    .executeTakeFirst();
  return (
    row && {
      id: row.id,
      chargeId: row.charge_id,
      amount: money(row.amount_minor, row.currency),
      createdAt: row.created_at,
    }
  );
}

/** A session as its events carry it. */
export function sessionObject(session: SandboxSession): SandboxSessionObject {
  return {
    object: 'checkout.session',
    id: session.id,
    mode: session.mode,
    status: session.status,
    amount: session.amount.amountMinor,
    currency: session.amount.currency,
    description: session.description,
    reference: session.reference,
    customer: session.customerRef,
    payment_method: session.paymentMethod?.id ?? null,
    charge: session.chargeId,
    failure_reason: session.failureReason,
    created: unixSeconds(session.createdAt),
    expires_at: unixSeconds(session.expiresAt),
  };
}

/** A charge as its events carry it. */
export function chargeObject(charge: SandboxCharge): SandboxChargeObject {
  return {
    object: 'charge',
    id: charge.id,
    status: charge.status,
    amount: charge.amount.amountMinor,
    currency: charge.amount.currency,
    amount_refunded: charge.refunded.amountMinor,
    reference: charge.reference,
    payment_method: charge.paymentMethodId,
    failure_code: charge.failureCode,
    failure_message: charge.failureReason,
    created: unixSeconds(charge.createdAt),
  };
}
