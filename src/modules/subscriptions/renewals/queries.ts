import type { Kysely } from 'kysely';
import type { Database, PaymentRow, SubscriptionRow } from '../../../db/schema.js';

/** The sweep reads subscriptions a page at a time, in id order. */
export const sweepPageSize = 500;

const page = (db: Kysely<Database>, statuses: SubscriptionRow['status'][], after: string) =>
  db
    .selectFrom('subscriptions')
    .selectAll()
    .where('status', 'in', statuses)
    .where('id', '>', after)
    .orderBy('id')
    .limit(sweepPageSize);

/** Renewing subscriptions whose renewal is before `remindBefore` and not yet reminded of. */
export function dueForReminder(db: Kysely<Database>, after: string, remindBefore: string) {
  return page(db, ['active', 'trialing'], after)
    .where('current_period_end', '<=', remindBefore)
    .where((eb) =>
      eb.or([eb('reminded_for', 'is', null), eb('reminded_for', '<>', eb.ref('current_period_end'))]),
    )
    .execute();
}

/** Renewals due by `now` whose reminder went out no later than `remindedBy`. */
export function dueForRenewal(db: Kysely<Database>, after: string, now: string, remindedBy: string) {
  return page(db, ['active', 'trialing'], after)
    .where('current_period_end', '<=', now)
    .where('reminded_for', '=', (eb) => eb.ref('current_period_end'))
    .where('reminded_at', '<=', remindedBy)
    .execute();
}

/** Overdue subscriptions whose next retry is due by `now`. */
export function dueForRetry(db: Kysely<Database>, after: string, now: string) {
  return page(db, ['past_due'], after).where('next_attempt_at', '<=', now).execute();
}

/** Cancelled subscriptions whose paid term is over by `now`. */
export function canceledAndOver(db: Kysely<Database>, after: string, now: string) {
  return page(db, ['canceling'], after).where('current_period_end', '<=', now).execute();
}

/** Overdue subscriptions with no retry left. */
export function outOfRetries(db: Kysely<Database>, after: string) {
  return page(db, ['past_due'], after).where('next_attempt_at', 'is', null).execute();
}

/**
 * Claims the reminder for the subscription's coming renewal: false when another sweep did, or
 * the subscription changed since it was read.
 */
export async function claimReminder(
  db: Kysely<Database>,
  sub: SubscriptionRow,
  at: string,
): Promise<boolean> {
  const claimed = await db
    .updateTable('subscriptions')
    .set({ reminded_for: sub.current_period_end, reminded_at: at })
    .where('id', '=', sub.id)
    .where('version', '=', sub.version)
    .where((eb) => eb.or([eb('reminded_for', 'is', null), eb('reminded_for', '<>', sub.current_period_end)]))
    .executeTakeFirst();
  return Number(claimed.numUpdatedRows) > 0;
}

export async function pendingPayments(db: Kysely<Database>): Promise<PaymentRow[]> {
  return db
    .selectFrom('payments')
    .selectAll()
    .where('status', '=', 'pending')
    .orderBy('created_at')
    .execute();
}
