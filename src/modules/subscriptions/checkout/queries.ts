import type { Insertable, Kysely, Updateable } from 'kysely';
import type { CheckoutRow, CheckoutsTable, Database } from '../../../db/schema.js';

export async function insertCheckout(db: Kysely<Database>, row: Insertable<CheckoutsTable>): Promise<void> {
  await db.insertInto('checkouts').values(row).execute();
}

export async function setGatewaySession(db: Kysely<Database>, id: string, sessionId: string): Promise<void> {
  await db.updateTable('checkouts').set({ gateway_session: sessionId }).where('id', '=', id).execute();
}

export async function checkoutById(db: Kysely<Database>, id: string): Promise<CheckoutRow | undefined> {
  return db.selectFrom('checkouts').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The checkout if it is the account's (a reader may see their own only). */
export async function checkoutOfAccount(
  db: Kysely<Database>,
  accountId: string,
  id: string,
): Promise<CheckoutRow | undefined> {
  return db
    .selectFrom('checkouts')
    .selectAll()
    .where('id', '=', id)
    .where('account_id', '=', accountId)
    .executeTakeFirst();
}

/** The states a checkout is settled from: open, or expired when its payment arrived late. */
export type SettleableStatus = Extract<CheckoutRow['status'], 'open' | 'expired'>;

/**
 * Moves a checkout out of `from` (the status it was read with) with `changes`: true for the one
 * caller that did it, so a checkout is settled once however many callers race.
 */
export async function closeCheckout(
  db: Kysely<Database>,
  id: string,
  from: SettleableStatus,
  changes: Updateable<CheckoutsTable>,
): Promise<boolean> {
  const closed = await db
    .updateTable('checkouts')
    .set(changes)
    .where('id', '=', id)
    .where('status', '=', from)
    .executeTakeFirst();
  return Number(closed.numUpdatedRows) > 0;
}

export async function staleCheckouts(db: Kysely<Database>, now: string, limit: number) {
  return db
    .selectFrom('checkouts')
    .select('id')
    .where('status', '=', 'open')
    .where('expires_at', '<=', now)
    .limit(limit)
    .execute();
}
