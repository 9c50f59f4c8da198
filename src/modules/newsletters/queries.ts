import { sql, type Insertable, type Kysely } from 'kysely';
import type {
  Database,
  NewsletterDeliveriesTable,
  NewsletterIssueRow,
  NewsletterIssuesTable,
  NewsletterRow,
  NewsletterSubscriptionRow,
  NewsletterSubscriptionsTable,
  NewslettersTable,
} from '../../db/schema.js';

// The newsletters module's statements: plain functions, the database first.

export const insertNewsletter = (db: Kysely<Database>, row: Insertable<NewslettersTable>) =>
  db.insertInto('newsletters').values(row).execute();

export const listNewsletters = (db: Kysely<Database>): Promise<NewsletterRow[]> =>
  db.selectFrom('newsletters').selectAll().orderBy('name').orderBy('id').execute();

/** Active subscriptions per newsletter id (newsletters without any are absent). */
export async function activeSubscriptionCounts(db: Kysely<Database>): Promise<Map<string, number>> {
  const rows = await db
    .selectFrom('newsletter_subscriptions')
    .select(['newsletter_id', db.fn.countAll<number | string>().as('count')])
    .where('status', '=', 'active')
    .groupBy('newsletter_id')
    .execute();
  return new Map(rows.map((row) => [row.newsletter_id, Number(row.count)]));
}

export const newsletterById = (db: Kysely<Database>, id: string) =>
  db.selectFrom('newsletters').selectAll().where('id', '=', id).executeTakeFirst();

export const newsletterBySlug = (db: Kysely<Database>, slug: string) =>
  db.selectFrom('newsletters').selectAll().where('slug', '=', slug).executeTakeFirst();

export const subscriptionById = (db: Kysely<Database>, id: string) =>
  db.selectFrom('newsletter_subscriptions').selectAll().where('id', '=', id).executeTakeFirst();

export const subscriptionOfAddress = (db: Kysely<Database>, newsletterId: string, email: string) =>
  db
    .selectFrom('newsletter_subscriptions')
    .selectAll()
    .where('newsletter_id', '=', newsletterId)
    .where('email', '=', email)
    .executeTakeFirst();

/** The account's rows, and those of its address made before it signed in (same newsletters). */
export const subscriptionsOfReader = (
  db: Kysely<Database>,
  accountId: string,
  email: string,
): Promise<NewsletterSubscriptionRow[]> =>
  db
    .selectFrom('newsletter_subscriptions')
    .selectAll()
    .where((eb) => eb.or([eb('account_id', '=', accountId), eb('email', '=', email)]))
    .execute();

export const insertSubscription = (db: Kysely<Database>, row: Insertable<NewsletterSubscriptionsTable>) =>
  db.insertInto('newsletter_subscriptions').values(row).execute();

export const updateSubscription = (
  db: Kysely<Database>,
  id: string,
  set: Partial<Insertable<NewsletterSubscriptionsTable>>,
) => db.updateTable('newsletter_subscriptions').set(set).where('id', '=', id).execute();

export const pendingWithToken = (db: Kysely<Database>, tokenHash: string) =>
  db
    .selectFrom('newsletter_subscriptions')
    .selectAll()
    .where('confirm_token_hash', '=', tokenHash)
    .where('status', '=', 'pending')
    .execute();

/** Active subscriptions of a newsletter after `afterId`, by id: the send's snapshot, page by page. */
export const activeSubscriptionsPage = (
  db: Kysely<Database>,
  newsletterId: string,
  afterId: string,
  limit: number,
) =>
  db
    .selectFrom('newsletter_subscriptions')
    .select(['id', 'email', 'account_id'])
    .where('newsletter_id', '=', newsletterId)
    .where('status', '=', 'active')
    .where('id', '>', afterId)
    .orderBy('id')
    .limit(limit)
    .execute();

export const insertIssue = (db: Kysely<Database>, row: Insertable<NewsletterIssuesTable>) =>
  db.insertInto('newsletter_issues').values(row).execute();

export const issueById = (db: Kysely<Database>, id: string): Promise<NewsletterIssueRow | undefined> =>
  db.selectFrom('newsletter_issues').selectAll().where('id', '=', id).executeTakeFirst();

export const issuesOf = (db: Kysely<Database>, newsletterId: string) =>
  db
    .selectFrom('newsletter_issues')
    .selectAll()
    .where('newsletter_id', '=', newsletterId)
    .orderBy('created_at', 'desc')
    .execute();

export const updateIssue = (
  db: Kysely<Database>,
  id: string,
  set: Partial<Insertable<NewsletterIssuesTable>>,
  onlyIfStatus?: readonly NewsletterIssueRow['status'][],
) => {
  let query = db.updateTable('newsletter_issues').set(set).where('id', '=', id);
  if (onlyIfStatus) query = query.where('status', 'in', [...onlyIfStatus]);
  return query.executeTakeFirst();
};

/** Adds recipients to an issue's snapshot; one already there stays as it is. */
export const insertDeliveries = async (
  db: Kysely<Database>,
  rows: readonly Insertable<NewsletterDeliveriesTable>[],
) => {
  if (rows.length === 0) return;
  await db
    .insertInto('newsletter_deliveries')
    .values([...rows])
    .onConflict((oc) => oc.columns(['issue_id', 'subscription_id']).doNothing())
    .execute();
};

/** The next recipients still to send to: never tried, or caught mid-send by a crash. */
export const unsentDeliveries = (db: Kysely<Database>, issueId: string, limit: number) =>
  db
    .selectFrom('newsletter_deliveries')
    .select(['subscription_id', 'email', 'status', 'attempts'])
    .where('issue_id', '=', issueId)
    .where('status', 'in', ['pending', 'sending'])
    .orderBy('subscription_id')
    .limit(limit)
    .execute();

export const markDeliveries = (
  db: Kysely<Database>,
  issueId: string,
  subscriptionIds: readonly string[],
  set: Partial<Insertable<NewsletterDeliveriesTable>>,
) =>
  db
    .updateTable('newsletter_deliveries')
    .set(set)
    .where('issue_id', '=', issueId)
    .where('subscription_id', 'in', [...subscriptionIds])
    .execute();

/** Marks the batch as being handed to SMTP: one more try for each. */
export const markSending = (db: Kysely<Database>, issueId: string, subscriptionIds: readonly string[]) =>
  db
    .updateTable('newsletter_deliveries')
    .set({ status: 'sending', attempts: sql<number>`attempts + 1` })
    .where('issue_id', '=', issueId)
    .where('subscription_id', 'in', [...subscriptionIds])
    .execute();

export async function deliveryCounts(db: Kysely<Database>, issueId: string) {
  const rows = await db
    .selectFrom('newsletter_deliveries')
    .select(['status', db.fn.countAll<number | string>().as('count')])
    .where('issue_id', '=', issueId)
    .groupBy('status')
    .execute();
  const counts = { pending: 0, sending: 0, sent: 0, failed: 0 };
  for (const row of rows) counts[row.status] = Number(row.count);
  return counts;
}

export const deliveriesOf = (db: Kysely<Database>, issueId: string) =>
  db
    .selectFrom('newsletter_deliveries')
    .selectAll()
    .where('issue_id', '=', issueId)
    .orderBy('subscription_id')
    .execute();
