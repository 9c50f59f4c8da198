import type { Kysely } from 'kysely';
import type { Database } from '../../../db/schema.js';

/** Subscriptions opened before `to` and not ended before `from`. */
export async function subscriptionsOverlapping(db: Kysely<Database>, from: string, to: string) {
  return db
    .selectFrom('subscriptions')
    .select([
      'id',
      'account_id',
      'plan_id',
      'price_id',
      'created_at',
      'trial_ends_at',
      'cancel_requested_at',
      'ended_at',
    ])
    .where('created_at', '<', to)
    .where((eb) => eb.or([eb('ended_at', 'is', null), eb('ended_at', '>=', from)]))
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

/** Payments that succeeded (refunded ones too) and settled in [from, to). */
export async function paymentsSettledBetween(db: Kysely<Database>, from: string, to: string) {
  return db
    .selectFrom('payments')
    .select([
      'id',
      'account_id',
      'subscription_id',
      'plan_id',
      'kind',
      'amount_minor',
      'currency',
      'settled_at',
      'created_at',
    ])
    .where('status', 'in', ['succeeded', 'refunded'])
    .where('settled_at', '>=', from)
    .where('settled_at', '<', to)
    .orderBy('settled_at')
    .orderBy('id')
    .execute();
}
