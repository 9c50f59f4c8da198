import type { Insertable, Kysely } from 'kysely';
import type {
  Database,
  PaymentRow,
  PaymentsTable,
  SubscriptionRow,
  SubscriptionStatus,
} from '../../db/schema.js';

// The module's shared reads and writes of subscriptions, their events, payments and webhook
// deliveries. Each part's own statements sit beside it (checkout/, ledger/, renewals/).

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

/**
 * `subscriptionOf` for many accounts in one statement (a newsletter send asks about thousands):
 * each account's live subscription, else its latest ended one; accounts with none are absent.
 */
export async function subscriptionsOfAccounts(
  db: Kysely<Database>,
  accountIds: readonly string[],
): Promise<Map<string, SubscriptionRow>> {
  const found = new Map<string, SubscriptionRow>();
  if (accountIds.length === 0) return found;
  const rows = await db
    .selectFrom('subscriptions')
    .selectAll()
    .where('account_id', 'in', [...accountIds])
    .orderBy('created_at', 'desc')
    .execute();
  for (const row of rows) {
    const kept = found.get(row.account_id);
    if (!kept || (kept.status === 'expired' && row.status !== 'expired')) found.set(row.account_id, row);
  }
  return found;
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

export async function paymentById(db: Kysely<Database>, id: string): Promise<PaymentRow | undefined> {
  return db.selectFrom('payments').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function insertPayment(db: Kysely<Database>, row: Insertable<PaymentsTable>): Promise<void> {
  await db.insertInto('payments').values(row).execute();
}

/** Whether the gateway's event was acted on already (a second delivery is a no-op). */
export async function webhookSeen(db: Kysely<Database>, provider: string, eventId: string): Promise<boolean> {
  const row = await db
    .selectFrom('webhook_events')
    .select('event_id')
    .where('provider', '=', provider)
    .where('event_id', '=', eventId)
    .executeTakeFirst();
  return row !== undefined;
}

export async function recordWebhook(
  db: Kysely<Database>,
  event: { provider: string; eventId: string; type: string; at: string },
): Promise<void> {
  await db
    .insertInto('webhook_events')
    .values({ provider: event.provider, event_id: event.eventId, type: event.type, received_at: event.at })
    .onConflict((oc) => oc.doNothing())
    .execute();
}

/**
 * Subscriptions for the admin: newest first, by status and/or account, a page at a time. Who
 * the account is (email, name) is the accounts module's to say.
 */
export async function listSubscriptions(
  db: Kysely<Database>,
  filter: { status?: SubscriptionStatus; accountId?: string; before?: string; limit: number },
) {
  let query = db
    .selectFrom('subscriptions')
    .select(['id', 'account_id', 'plan_id', 'status', 'current_period_end', 'created_at'])
    .orderBy('id', 'desc')
    .limit(filter.limit);
  if (filter.status) query = query.where('status', '=', filter.status);
  if (filter.accountId) query = query.where('account_id', '=', filter.accountId);
  if (filter.before) query = query.where('id', '<', filter.before);
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
