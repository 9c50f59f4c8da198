import type { Kysely, Updateable } from 'kysely';
import type { Database, PaymentsTable, SubscriptionRow, SubscriptionsTable } from '../../../db/schema.js';

/**
 * Writes `changes` to the subscription if it is still at `version`: false when someone else
 * changed it first (the caller decides whether that is a conflict).
 */
export async function updateSubscriptionAt(
  db: Kysely<Database>,
  id: string,
  version: number,
  changes: Updateable<SubscriptionsTable>,
): Promise<boolean> {
  const updated = await db
    .updateTable('subscriptions')
    .set(changes)
    .where('id', '=', id)
    .where('version', '=', version)
    .executeTakeFirst();
  return Number(updated.numUpdatedRows) > 0;
}

export async function insertSubscription(db: Kysely<Database>, row: SubscriptionRow): Promise<void> {
  await db.insertInto('subscriptions').values(row).execute();
}

/** Settles a payment still `pending`: false when it was settled already (exactly once). */
export async function settlePendingPayment(
  db: Kysely<Database>,
  id: string,
  changes: Updateable<PaymentsTable>,
): Promise<boolean> {
  const settled = await db
    .updateTable('payments')
    .set(changes)
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return Number(settled.numUpdatedRows) > 0;
}

/** Whether a charge for the subscription is still on its way (not yet settled either way). */
export async function hasPendingPayment(db: Kysely<Database>, subscriptionId: string): Promise<boolean> {
  const row = await db
    .selectFrom('payments')
    .select('id')
    .where('subscription_id', '=', subscriptionId)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return row !== undefined;
}
