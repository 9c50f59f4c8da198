import type { Kysely } from 'kysely';

// Frozen: curated newsletters — the newsletters staff define, who subscribes to each, the
// issues composed for them, and one delivery row per issue and recipient (the send's ledger).
// Imports nothing from the app.
/* eslint-disable @typescript-eslint/no-explicit-any -- a migration knows no schema type */

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('newsletters')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('slug', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    // 'free' or 'subscribers' (readers whose subscription includes `newsletters`).
    .addColumn('access', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('newsletter_subscriptions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('newsletter_id', 'text', (c) => c.notNull().references('newsletters.id'))
    // Lower-cased. For a signed-in reader, the account's address when they subscribed; the
    // send asks the accounts module for the current one.
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('account_id', 'text')
    // 'pending' (an address waiting for its confirmation), 'active' or 'unsubscribed'.
    .addColumn('status', 'text', (c) => c.notNull())
    // SHA-256 of the confirmation link's token (double opt-in), while pending.
    .addColumn('confirm_token_hash', 'text')
    .addColumn('confirm_expires_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('confirmed_at', 'text')
    .addColumn('unsubscribed_at', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('newsletter_subscriptions_address')
    .unique()
    .on('newsletter_subscriptions')
    .columns(['newsletter_id', 'email'])
    .execute();
  await db.schema
    .createIndex('newsletter_subscriptions_account')
    .on('newsletter_subscriptions')
    .columns(['account_id'])
    .execute();
  await db.schema
    .createIndex('newsletter_subscriptions_confirm')
    .on('newsletter_subscriptions')
    .columns(['confirm_token_hash'])
    .execute();

  await db.schema
    .createTable('newsletter_issues')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('newsletter_id', 'text', (c) => c.notNull().references('newsletters.id'))
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('intro', 'text', (c) => c.notNull())
    // JSON array of article ids, in the order staff picked them.
    .addColumn('article_ids', 'text', (c) => c.notNull())
    // 'draft' → 'scheduled' → 'sending' → 'sent'.
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('send_at', 'text')
    .addColumn('job_id', 'text')
    // The issue as rendered when the send started: every recipient gets the same words.
    .addColumn('rendered', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('started_at', 'text')
    .addColumn('finished_at', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('newsletter_issues_newsletter')
    .on('newsletter_issues')
    .columns(['newsletter_id', 'created_at'])
    .execute();

  await db.schema
    .createTable('newsletter_deliveries')
    .addColumn('issue_id', 'text', (c) => c.notNull().references('newsletter_issues.id'))
    .addColumn('subscription_id', 'text', (c) => c.notNull())
    // Resolved when the send started (the recipient list is a snapshot).
    .addColumn('email', 'text', (c) => c.notNull())
    // 'pending' → 'sending' (handed to SMTP, not yet confirmed) → 'sent' | 'failed'.
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('error', 'text')
    .addColumn('sent_at', 'text')
    .addPrimaryKeyConstraint('newsletter_deliveries_pk', ['issue_id', 'subscription_id'])
    .execute();
  await db.schema
    .createIndex('newsletter_deliveries_status')
    .on('newsletter_deliveries')
    .columns(['issue_id', 'status'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('newsletter_deliveries').execute();
  await db.schema.dropTable('newsletter_issues').execute();
  await db.schema.dropTable('newsletter_subscriptions').execute();
  await db.schema.dropTable('newsletters').execute();
}
