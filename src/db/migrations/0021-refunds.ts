import type { Kysely } from 'kysely';

// Frozen: refunds of payments (support refunds all or part of a payment through the gateway)
// and the GST credit notes each one is documented by, numbered in a series of their own per
// financial year. Imports nothing from the app.
/* eslint-disable @typescript-eslint/no-explicit-any -- a migration knows no schema type */

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('refunds')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('payment_id', 'text', (c) => c.notNull())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('subscription_id', 'text')
    // The plan the refunded payment paid for, for revenue by plan.
    .addColumn('plan_id', 'text')
    .addColumn('amount_minor', 'bigint', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    // 'pending' (its amount is reserved on the payment while the gateway is asked),
    // 'succeeded' or 'failed' (the gateway declined; the reservation was released).
    .addColumn('status', 'text', (c) => c.notNull())
    // Sent with the refund: the gateway performs one refund per key.
    .addColumn('idempotency_key', 'text', (c) => c.notNull().unique())
    .addColumn('gateway', 'text', (c) => c.notNull())
    .addColumn('gateway_ref', 'text')
    .addColumn('failure_reason', 'text')
    // Who asked for it, as the subscription's books name actors.
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('settled_at', 'text')
    .execute();
  await db.schema
    .createIndex('refunds_payment')
    .on('refunds')
    .columns(['payment_id', 'created_at'])
    .execute();
  await db.schema.createIndex('refunds_settled').on('refunds').columns(['status', 'settled_at']).execute();

  await db.schema
    .createTable('credit_note_sequences')
    .addColumn('financial_year', 'text', (c) => c.primaryKey())
    .addColumn('last_number', 'integer', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('credit_notes')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('number', 'text', (c) => c.notNull().unique())
    .addColumn('financial_year', 'text', (c) => c.notNull())
    .addColumn('sequence', 'integer', (c) => c.notNull())
    // One credit note per refund.
    .addColumn('refund_id', 'text', (c) => c.notNull().unique())
    .addColumn('invoice_id', 'text', (c) => c.notNull())
    .addColumn('payment_id', 'text', (c) => c.notNull())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('issued_at', 'text', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('taxable_minor', 'bigint', (c) => c.notNull())
    .addColumn('cgst_minor', 'bigint', (c) => c.notNull())
    .addColumn('sgst_minor', 'bigint', (c) => c.notNull())
    .addColumn('igst_minor', 'bigint', (c) => c.notNull())
    .addColumn('total_minor', 'bigint', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addUniqueConstraint('credit_notes_sequence', ['financial_year', 'sequence'])
    .execute();
  await db.schema
    .createIndex('credit_notes_account')
    .on('credit_notes')
    .columns(['account_id', 'issued_at'])
    .execute();
  await db.schema.createIndex('credit_notes_invoice').on('credit_notes').column('invoice_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('credit_notes').execute();
  await db.schema.dropTable('credit_note_sequences').execute();
  await db.schema.dropTable('refunds').execute();
}
