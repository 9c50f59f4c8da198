import type { Kysely } from 'kysely';
import type { Database, SubscriptionRow, SubscriptionStatus } from '../../db/schema.js';

/** The reader's live subscription (at most one: a unique index), else their latest ended one. */
export async function subscriptionOf(
  db: Kysely<Database>,
  accountId: string,
): Promise<SubscriptionRow | undefined> {
  const rows = await db
    .selectFrom('subscriptions')
    .selectAll()
    .where('account_id', '=', accountId)
    .orderBy('created_at', 'desc')
    .limit(10)
    .execute();
  return rows.find((row) => row.status !== 'expired') ?? rows[0];
}

export async function subscriptionById(
  db: Kysely<Database>,
  id: string,
): Promise<SubscriptionRow | undefined> {
  return db.selectFrom('subscriptions').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function hasEverSubscribed(db: Kysely<Database>, accountId: string): Promise<boolean> {
  const row = await db
    .selectFrom('subscriptions')
    .select('id')
    .where('account_id', '=', accountId)
    .executeTakeFirst();
  return row !== undefined;
}

export async function recordEvent(
  db: Kysely<Database>,
  event: {
    id: string;
    subscriptionId: string;
    kind: string;
    from: SubscriptionStatus | null;
    to: SubscriptionStatus;
    actor: string;
    detail: Readonly<Record<string, unknown>>;
    at: string;
  },
): Promise<void> {
  await db
    .insertInto('subscription_events')
    .values({
      id: event.id,
      subscription_id: event.subscriptionId,
      kind: event.kind,
      from_status: event.from,
      to_status: event.to,
      actor: event.actor,
      detail: JSON.stringify(event.detail),
      created_at: event.at,
    })
    .execute();
}

export async function eventsOf(db: Kysely<Database>, subscriptionId: string) {
  return db
    .selectFrom('subscription_events')
    .selectAll()
    .where('subscription_id', '=', subscriptionId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

export async function paymentsOf(db: Kysely<Database>, accountId: string) {
  return db
    .selectFrom('payments')
    .selectAll()
    .where('account_id', '=', accountId)
    .where('status', '<>', 'pending')
    .orderBy('created_at', 'desc')
    .limit(100)
    .execute();
}

/** The payment that paid for the subscription's current term, for proration. */
export async function paymentForTerm(db: Kysely<Database>, subscriptionId: string, periodStart: string) {
  return db
    .selectFrom('payments')
    .selectAll()
    .where('subscription_id', '=', subscriptionId)
    .where('status', 'in', ['succeeded', 'refunded'])
    .where('period_start', '=', periodStart)
    .orderBy('created_at', 'desc')
    .executeTakeFirst();
}

/** Subscribers for the admin: newest first, by status and/or email, a page at a time. */
export async function listSubscribers(
  db: Kysely<Database>,
  filter: { status?: SubscriptionStatus; email?: string; before?: string; limit: number },
) {
  let query = db
    .selectFrom('subscriptions')
    .leftJoin('accounts', 'accounts.id', 'subscriptions.account_id')
    .select([
      'subscriptions.id',
      'subscriptions.account_id',
      'subscriptions.plan_id',
      'subscriptions.status',
      'subscriptions.current_period_end',
      'subscriptions.created_at',
      'accounts.email',
      'accounts.name',
    ])
    .orderBy('subscriptions.id', 'desc')
    .limit(filter.limit);
  if (filter.status) query = query.where('subscriptions.status', '=', filter.status);
  if (filter.email) query = query.where('accounts.email', '=', filter.email.toLowerCase());
  if (filter.before) query = query.where('subscriptions.id', '<', filter.before);
  return query.execute();
}

/** The subscription's most recent event, if any. */
export async function latestEvent(db: Kysely<Database>, subscriptionId: string) {
  return db
    .selectFrom('subscription_events')
    .select(['kind', 'detail'])
    .where('subscription_id', '=', subscriptionId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .executeTakeFirst();
}

/**
 * Takes over a pending charge for sending until `until`, unless another process holds it now;
 * false when it is held (or no longer pending).
 */
export async function leasePendingCharge(
  db: Kysely<Database>,
  paymentId: string,
  now: Date,
  until: string,
): Promise<boolean> {
  const leased = await db
    .updateTable('payments')
    .set({ charging_until: until })
    .where('id', '=', paymentId)
    .where('status', '=', 'pending')
    .where((eb) => eb.or([eb('charging_until', 'is', null), eb('charging_until', '<=', now.toISOString())]))
    .executeTakeFirst();
  return Number(leased.numUpdatedRows) > 0;
}
