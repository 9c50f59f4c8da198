import type { Insertable, Kysely } from 'kysely';
import type { Database, RefundRow, RefundsTable } from '../../../db/schema.js';

/**
 * Reserves `amountMinor` of a payment for a refund, in one conditional statement: concurrent
 * refunds of one payment can never together exceed what was paid. False when it would.
 */
export async function reserveRefund(
  db: Kysely<Database>,
  paymentId: string,
  amountMinor: number,
): Promise<boolean> {
  const updated = await db
    .updateTable('payments')
    .set((eb) => ({ refunded_minor: eb('refunded_minor', '+', amountMinor) }))
    .where('id', '=', paymentId)
    .where('status', 'in', ['succeeded', 'refunded'])
    .where((eb) => eb(eb('refunded_minor', '+', amountMinor), '<=', eb.ref('amount_minor')))
    .executeTakeFirst();
  return Number(updated.numUpdatedRows) === 1;
}

/** Gives back a reservation the gateway declined. */
export async function releaseRefund(
  db: Kysely<Database>,
  paymentId: string,
  amountMinor: number,
): Promise<void> {
  await db
    .updateTable('payments')
    .set((eb) => ({ refunded_minor: eb('refunded_minor', '-', amountMinor), status: 'succeeded' }))
    .where('id', '=', paymentId)
    .execute();
}

/** A payment refunded in full reads `refunded`. */
export async function markFullyRefunded(db: Kysely<Database>, paymentId: string): Promise<void> {
  await db
    .updateTable('payments')
    .set({ status: 'refunded' })
    .where('id', '=', paymentId)
    .where((eb) => eb('refunded_minor', '>=', eb.ref('amount_minor')))
    .execute();
}

export async function insertRefund(db: Kysely<Database>, row: Insertable<RefundsTable>): Promise<void> {
  await db.insertInto('refunds').values(row).execute();
}

/** Settles a refund still `pending`: false when it was settled already. */
export async function settleRefund(
  db: Kysely<Database>,
  id: string,
  changes: {
    status: 'succeeded' | 'failed';
    gateway_ref: string | null;
    failure_reason: string | null;
    settled_at: string;
  },
): Promise<boolean> {
  const updated = await db
    .updateTable('refunds')
    .set(changes)
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return Number(updated.numUpdatedRows) === 1;
}

export async function refundById(db: Kysely<Database>, id: string): Promise<RefundRow | undefined> {
  return db.selectFrom('refunds').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Refunds that succeeded in [from, to), oldest first. */
export async function refundsSettledBetween(
  db: Kysely<Database>,
  from: string,
  to: string,
): Promise<RefundRow[]> {
  return db
    .selectFrom('refunds')
    .selectAll()
    .where('status', '=', 'succeeded')
    .where('settled_at', '>=', from)
    .where('settled_at', '<', to)
    .orderBy('settled_at')
    .execute();
}

/** Refunds still `pending` that were created before `before`, oldest first. */
export async function pendingRefundsBefore(
  db: Kysely<Database>,
  before: string,
  limit: number,
): Promise<RefundRow[]> {
  return db
    .selectFrom('refunds')
    .selectAll()
    .where('status', '=', 'pending')
    .where('created_at', '<', before)
    .orderBy('created_at')
    .limit(limit)
    .execute();
}
