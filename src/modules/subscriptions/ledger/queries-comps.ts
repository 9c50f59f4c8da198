import type { Kysely } from 'kysely';
import type { CompGrantsTable, Database } from '../../../db/schema.js';

export async function insertComp(db: Kysely<Database>, row: CompGrantsTable): Promise<void> {
  await db.insertInto('comp_grants').values(row).execute();
}

/** The comps of `accountIds` live at `now`. */
export async function liveComps(db: Kysely<Database>, accountIds: readonly string[], now: string) {
  if (accountIds.length === 0) return [];
  return db
    .selectFrom('comp_grants')
    .selectAll()
    .where('account_id', 'in', accountIds)
    .where('starts_at', '<=', now)
    .where('ends_at', '>', now)
    .orderBy('ends_at', 'desc')
    .execute();
}

export async function compsOf(db: Kysely<Database>, accountId: string) {
  return db
    .selectFrom('comp_grants')
    .selectAll()
    .where('account_id', '=', accountId)
    .orderBy('granted_at', 'desc')
    .execute();
}

export async function compsGrantedBetween(db: Kysely<Database>, from: string, to: string) {
  return db
    .selectFrom('comp_grants')
    .selectAll()
    .where('granted_at', '>=', from)
    .where('granted_at', '<', to)
    .orderBy('granted_at')
    .execute();
}

export async function moveCompEnd(db: Kysely<Database>, id: string, endsAt: string): Promise<void> {
  await db.updateTable('comp_grants').set({ ends_at: endsAt }).where('id', '=', id).execute();
}

export const benefitsOf = (row: { benefits: string }): string[] => JSON.parse(row.benefits) as string[];
