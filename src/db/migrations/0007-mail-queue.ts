import type { Kysely } from 'kysely';

// Frozen: mail queued for delivery after a transaction commits, retried until the SMTP server
// takes it. Imports nothing from the app.
/* eslint-disable @typescript-eslint/no-explicit-any -- a migration knows no schema type */

export async function up(db: Kysely<any>): Promise<void> {
  // Set while a queued message waits for (another) delivery attempt: not before this moment.
  await db.schema.alterTable('mail_outbox').addColumn('deliver_after', 'text').execute();
  await db.schema
    .alterTable('mail_outbox')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .createIndex('mail_outbox_deliver_after')
    .on('mail_outbox')
    .column('deliver_after')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('mail_outbox_deliver_after').execute();
  await db.schema.alterTable('mail_outbox').dropColumn('attempts').execute();
  await db.schema.alterTable('mail_outbox').dropColumn('deliver_after').execute();
}
