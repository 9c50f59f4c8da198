import { sql, type Kysely } from 'kysely';
import type { Database, MailOutboxRow, NewMailOutboxRow } from '../../db/schema.js';

export async function insertMessage(db: Kysely<Database>, row: NewMailOutboxRow): Promise<void> {
  await db.insertInto('mail_outbox').values(row).execute();
}

/** Newest first; within one instant, by id (time-sortable too). */
export function listMessages(db: Kysely<Database>, limit: number): Promise<MailOutboxRow[]> {
  return db
    .selectFrom('mail_outbox')
    .selectAll()
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
}

export function findMessage(db: Kysely<Database>, id: string): Promise<MailOutboxRow | undefined> {
  return db.selectFrom('mail_outbox').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Every message to `address` (compared case-insensitively), oldest first. */
export function messagesTo(db: Kysely<Database>, address: string): Promise<MailOutboxRow[]> {
  return db
    .selectFrom('mail_outbox')
    .selectAll()
    .where(sql<string>`lower(to_address)`, '=', address.toLowerCase())
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

export async function deleteMessagesTo(db: Kysely<Database>, address: string): Promise<number> {
  const result = await db
    .deleteFrom('mail_outbox')
    .where(sql<string>`lower(to_address)`, '=', address.toLowerCase())
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

export async function markDelivered(
  db: Kysely<Database>,
  id: string,
  sentAt: string,
  attempts: number,
): Promise<void> {
  await db
    .updateTable('mail_outbox')
    .set({ sent_at: sentAt, error: null, deliver_after: null, attempts })
    .where('id', '=', id)
    .execute();
}

/** A failed delivery of a queued message: the job queue tries it again. */
export async function markUndelivered(
  db: Kysely<Database>,
  id: string,
  outcome: { attempts: number; error: string; deliver_after: string | null },
): Promise<void> {
  await db.updateTable('mail_outbox').set(outcome).where('id', '=', id).execute();
}
