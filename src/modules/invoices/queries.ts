import { sql, type Insertable, type Kysely } from 'kysely';
import type {
  CreditNoteRow,
  CreditNotesTable,
  Database,
  InvoiceRow,
  InvoicesTable,
} from '../../db/schema.js';

export async function selectInvoiceByPayment(
  db: Kysely<Database>,
  paymentId: string,
): Promise<InvoiceRow | undefined> {
  return db.selectFrom('invoices').selectAll().where('payment_id', '=', paymentId).executeTakeFirst();
}

/** One of the account's invoices; another account's is not found. */
export async function selectOwnInvoice(
  db: Kysely<Database>,
  accountId: string,
  invoiceId: string,
): Promise<InvoiceRow | undefined> {
  return db
    .selectFrom('invoices')
    .selectAll()
    .where('id', '=', invoiceId)
    .where('account_id', '=', accountId)
    .executeTakeFirst();
}

/** The account's invoices, newest first. */
export async function selectOwnInvoices(db: Kysely<Database>, accountId: string): Promise<InvoiceRow[]> {
  return db
    .selectFrom('invoices')
    .selectAll()
    .where('account_id', '=', accountId)
    .orderBy('issued_at', 'desc')
    .orderBy('sequence', 'desc')
    .execute();
}

/**
 * The next number of a financial year, in one statement: the first invoice of a year inserts
 * its row at 1, later ones increment it. On PostgreSQL the row lock makes racing transactions
 * wait for each other (and `on conflict` settles two that both try to insert the first row);
 * on SQLite write transactions are serial. The number is the caller's transaction's: if that
 * rolls back, so does the increment, and no number is skipped.
 */
export async function takeSequence(db: Kysely<Database>, financialYear: string): Promise<number> {
  const row = await db
    .insertInto('invoice_sequences')
    .values({ financial_year: financialYear, last_number: 1 })
    .onConflict((oc) =>
      oc
        .column('financial_year')
        .doUpdateSet({ last_number: sql<number>`invoice_sequences.last_number + 1` }),
    )
    .returning('last_number')
    .executeTakeFirstOrThrow();
  return Number(row.last_number);
}

/**
 * Gives back a number taken in this transaction and not used. Safe because the transaction
 * still holds the row it incremented: nobody can have taken a later number meanwhile (the
 * `last_number` guard makes sure of it).
 */
export async function returnSequence(
  db: Kysely<Database>,
  financialYear: string,
  sequence: number,
): Promise<void> {
  await db
    .updateTable('invoice_sequences')
    .set({ last_number: sequence - 1 })
    .where('financial_year', '=', financialYear)
    .where('last_number', '=', sequence)
    .execute();
}

/** Inserts an invoice unless its payment has one already; true when this one was inserted. */
export async function insertInvoice(db: Kysely<Database>, row: Insertable<InvoicesTable>): Promise<boolean> {
  const inserted = await db
    .insertInto('invoices')
    .values(row)
    .onConflict((oc) => oc.column('payment_id').doNothing())
    .returning('id')
    .executeTakeFirst();
  return inserted !== undefined;
}

/** The account an invoice `number` was issued to (numbers are stored upper-case). */
export async function selectAccountOfNumber(db: Kysely<Database>, number: string) {
  return db
    .selectFrom('invoices')
    .select('account_id')
    .where((eb) => eb(eb.fn('upper', ['number']), '=', number))
    .orderBy('issued_at', 'desc')
    .executeTakeFirst();
}

export async function selectInvoiceById(db: Kysely<Database>, id: string): Promise<InvoiceRow | undefined> {
  return db.selectFrom('invoices').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function selectInvoicesByIds(
  db: Kysely<Database>,
  ids: readonly string[],
): Promise<InvoiceRow[]> {
  if (ids.length === 0) return [];
  return db
    .selectFrom('invoices')
    .selectAll()
    .where('id', 'in', [...ids])
    .execute();
}

export async function selectCreditNoteByRefund(
  db: Kysely<Database>,
  refundId: string,
): Promise<CreditNoteRow | undefined> {
  return db.selectFrom('credit_notes').selectAll().where('refund_id', '=', refundId).executeTakeFirst();
}

export async function selectCreditNoteById(
  db: Kysely<Database>,
  id: string,
): Promise<CreditNoteRow | undefined> {
  return db.selectFrom('credit_notes').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The account's credit notes, newest first. */
export async function selectOwnCreditNotes(
  db: Kysely<Database>,
  accountId: string,
): Promise<CreditNoteRow[]> {
  return db
    .selectFrom('credit_notes')
    .selectAll()
    .where('account_id', '=', accountId)
    .orderBy('issued_at', 'desc')
    .orderBy('sequence', 'desc')
    .execute();
}

/** Every credit note against an invoice, oldest first. */
export async function selectCreditNotesOfInvoice(
  db: Kysely<Database>,
  invoiceId: string,
): Promise<CreditNoteRow[]> {
  return db
    .selectFrom('credit_notes')
    .selectAll()
    .where('invoice_id', '=', invoiceId)
    .orderBy('sequence')
    .execute();
}

/** The next credit note number of a financial year: `takeSequence`, in the credit notes' own series. */
export async function takeCreditNoteSequence(db: Kysely<Database>, financialYear: string): Promise<number> {
  const row = await db
    .insertInto('credit_note_sequences')
    .values({ financial_year: financialYear, last_number: 1 })
    .onConflict((oc) =>
      oc
        .column('financial_year')
        .doUpdateSet({ last_number: sql<number>`credit_note_sequences.last_number + 1` }),
    )
    .returning('last_number')
    .executeTakeFirstOrThrow();
  return Number(row.last_number);
}

export async function insertCreditNote(
  db: Kysely<Database>,
  row: Insertable<CreditNotesTable>,
): Promise<void> {
  await db.insertInto('credit_notes').values(row).execute();
}
