import { sql, type Kysely } from 'kysely';
import type { Database, PartnerOfferRow } from '../../db/schema.js';

// Plain functions over the partner tables, the database first. `db` may be a transaction.

export interface CodeCountRow {
  readonly offer_id: string;
  readonly total: number;
  readonly remaining: number;
}

export async function insertOffer(
  db: Kysely<Database>,
  row: {
    id: string;
    name: string;
    partner: string;
    instructions: string;
    lowCodeThreshold: number;
    at: string;
  },
): Promise<void> {
  await db
    .insertInto('partner_offers')
    .values({
      id: row.id,
      name: row.name,
      partner: row.partner,
      instructions: row.instructions,
      low_code_threshold: row.lowCodeThreshold,
      low_warned_at: null,
      created_at: row.at,
    })
    .execute();
}

export async function updateOffer(
  db: Kysely<Database>,
  id: string,
  patch: {
    name?: string;
    partner?: string;
    instructions?: string;
    active?: number;
    low_code_threshold?: number;
  },
): Promise<boolean> {
  if (Object.keys(patch).length === 0) return (await selectOffer(db, id)) !== undefined;
  const result = await db.updateTable('partner_offers').set(patch).where('id', '=', id).executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function selectOffer(db: Kysely<Database>, id: string): Promise<PartnerOfferRow | undefined> {
  return db.selectFrom('partner_offers').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Every offer, newest first; `activeOnly` for those taking claims. */
export async function selectOffers(
  db: Kysely<Database>,
  options: { activeOnly?: boolean } = {},
): Promise<PartnerOfferRow[]> {
  let query = db.selectFrom('partner_offers').selectAll();
  if (options.activeOnly) query = query.where('active', '=', 1);
  return query.orderBy('created_at', 'desc').orderBy('id', 'desc').execute();
}

/** How many codes each offer has, and how many of them are unclaimed (all offers, or `offerIds`). */
export async function countCodes(
  db: Kysely<Database>,
  offerIds?: readonly string[],
): Promise<CodeCountRow[]> {
  if (offerIds && offerIds.length === 0) return [];
  let query = db
    .selectFrom('partner_codes')
    .select((eb) => [
      'offer_id',
      eb.fn.countAll<number | string | bigint>().as('total'),
      eb.fn
        .sum<number | string | bigint | null>(sql<number>`case when claimed_at is null then 1 else 0 end`)
        .as('remaining'),
    ])
    .groupBy('offer_id');
  if (offerIds) query = query.where('offer_id', 'in', offerIds);
  // PostgreSQL answers counts as text (bigint); SQLite as numbers.
  return (await query.execute()).map((row) => ({
    offer_id: row.offer_id,
    total: Number(row.total),
    remaining: Number(row.remaining ?? 0),
  }));
}

/** The number of unclaimed codes of one offer. */
export async function countRemaining(db: Kysely<Database>, offerId: string): Promise<number> {
  const row = await db
    .selectFrom('partner_codes')
    .select((eb) => eb.fn.countAll<number | string | bigint>().as('n'))
    .where('offer_id', '=', offerId)
    .where('claimed_at', 'is', null)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/**
 * Adds codes to an offer; a code it already has is left as it is (`on conflict do nothing`, so
 * a file sent twice adds nothing the second time). Returns how many were added.
 */
export async function insertCodes(
  db: Kysely<Database>,
  rows: readonly { id: string; offerId: string; code: string; at: string }[],
): Promise<number> {
  let added = 0;
  // A few hundred rows a statement: well under either database's limit on parameters.
  for (let start = 0; start < rows.length; start += 500) {
    const batch = rows.slice(start, start + 500);
    const result = await db
      .insertInto('partner_codes')
      .values(
        batch.map((row) => ({
          id: row.id,
          offer_id: row.offerId,
          code: row.code,
          account_id: null,
          claimed_at: null,
          created_at: row.at,
        })),
      )
      .onConflict((oc) => oc.columns(['offer_id', 'code']).doNothing())
      .executeTakeFirst();
    added += Number(result.numInsertedOrUpdatedRows ?? 0n);
  }
  return added;
}

/** The code `accountId` claimed of `offerId`, if any. */
export async function selectClaim(
  db: Kysely<Database>,
  offerId: string,
  accountId: string,
): Promise<{ code: string; claimed_at: string } | undefined> {
  const row = await db
    .selectFrom('partner_codes')
    .select(['code', 'claimed_at'])
    .where('offer_id', '=', offerId)
    .where('account_id', '=', accountId)
    .executeTakeFirst();
  return row && row.claimed_at !== null ? { code: row.code, claimed_at: row.claimed_at } : undefined;
}

/** Every code `accountId` claimed, by offer. */
export async function selectClaimsOf(
  db: Kysely<Database>,
  accountId: string,
): Promise<{ offer_id: string; code: string; claimed_at: string }[]> {
  const rows = await db
    .selectFrom('partner_codes')
    .select(['offer_id', 'code', 'claimed_at'])
    .where('account_id', '=', accountId)
    .where('claimed_at', 'is not', null)
    .execute();
  return rows.map((row) => ({ offer_id: row.offer_id, code: row.code, claimed_at: row.claimed_at! }));
}

/**
 * A few unclaimed codes of the offer, oldest first: the candidates a claim tries to take.
 * Several, so that claims arriving together can spread over them instead of all trying one.
 */
export async function selectUnclaimed(
  db: Kysely<Database>,
  offerId: string,
  limit: number,
): Promise<string[]> {
  const rows = await db
    .selectFrom('partner_codes')
    .select('id')
    .where('offer_id', '=', offerId)
    .where('claimed_at', 'is', null)
    .orderBy('id')
    .limit(limit)
    .execute();
  return rows.map((row) => row.id);
}

/**
 * Gives code `codeId` to `accountId`, only if nobody has it: one guarded statement, so two
 * claims cannot both take it. PostgreSQL re-evaluates the condition against the row another
 * transaction committed before it takes the row; SQLite runs one write at a time. True when
 * this call took it. Throws a unique violation when the reader already holds another code of
 * the offer (their own claim racing this one took it first).
 */
export async function takeCode(
  db: Kysely<Database>,
  codeId: string,
  accountId: string,
  at: string,
): Promise<boolean> {
  const result = await db
    .updateTable('partner_codes')
    .set({ account_id: accountId, claimed_at: at })
    .where('id', '=', codeId)
    .where('claimed_at', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** Marks the offer as warned, unless it already was; true when this call marked it (it warns). */
export async function markLowWarned(db: Kysely<Database>, offerId: string, at: string): Promise<boolean> {
  const result = await db
    .updateTable('partner_offers')
    .set({ low_warned_at: at })
    .where('id', '=', offerId)
    .where('low_warned_at', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** Clears the warning, so that the next fall under the threshold warns again. */
export async function clearLowWarned(db: Kysely<Database>, offerId: string): Promise<void> {
  await db.updateTable('partner_offers').set({ low_warned_at: null }).where('id', '=', offerId).execute();
}
