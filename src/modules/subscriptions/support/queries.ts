import type { Kysely } from 'kysely';
import type { Database, SubscriptionStatus } from '../../../db/schema.js';

/**
 * One page of subscriptions for the subscriber list, oldest first, after the id `after`
 * (keyset paging: every page costs the same however deep into 500,000 rows it is).
 */
export async function subscriptionPage(
  db: Kysely<Database>,
  page: { after?: string | undefined; status?: SubscriptionStatus | undefined; limit: number },
) {
  let query = db
    .selectFrom('subscriptions')
    .select([
      'id',
      'account_id',
      'plan_id',
      'price_id',
      'status',
      'currency',
      'created_at',
      'current_period_end',
      'cancel_requested_at',
      'ended_at',
    ])
    .orderBy('id')
    .limit(page.limit);
  if (page.after) query = query.where('id', '>', page.after);
  if (page.status) query = query.where('status', '=', page.status);
  return query.execute();
}
