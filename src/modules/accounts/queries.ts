import type { Kysely } from 'kysely';
import { escapeLike, likeLowered } from '../../db/like.js';
import type { Database } from '../../db/schema.js';

export async function selectAccountByEmail(db: Kysely<Database>, email: string) {
  return db.selectFrom('accounts').selectAll().where('email', '=', email).executeTakeFirst();
}

export async function selectAccount(db: Kysely<Database>, id: string) {
  return db.selectFrom('accounts').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function selectAccounts(db: Kysely<Database>, ids: readonly string[]) {
  if (ids.length === 0) return [];
  return db.selectFrom('accounts').selectAll().where('id', 'in', ids).execute();
}

/** Accounts whose email or name contains `term` (case-insensitive), newest first, a page at a time. */
export async function searchAccounts(
  db: Kysely<Database>,
  filter: { term: string; before?: string | undefined; limit: number },
) {
  // Escaped, so `_` or `%` in what support types matches only itself.
  const pattern = `%${escapeLike(filter.term.toLowerCase())}%`;
  let query = db
    .selectFrom('accounts')
    .selectAll()
    .where((eb) => eb.or([likeLowered('email', pattern), likeLowered('name', pattern)]))
    .orderBy('id', 'desc')
    .limit(filter.limit);
  if (filter.before) query = query.where('id', '<', filter.before);
  return query.execute();
}

/** The session a token opens, live or ended, with its account. */
export async function selectSessionByToken(db: Kysely<Database>, tokenHash: string) {
  return db
    .selectFrom('account_sessions as s')
    .innerJoin('accounts as a', 'a.id', 's.account_id')
    .select([
      's.id',
      's.account_id',
      's.kind',
      's.token_expires_at',
      's.last_seen_at',
      's.expires_at',
      's.ended_at',
      's.end_reason',
      'a.name',
      'a.email',
    ])
    .where('s.token_hash', '=', tokenHash)
    .executeTakeFirst();
}

export async function selectLiveSessions(db: Kysely<Database>, accountId: string, now: string) {
  return db
    .selectFrom('account_sessions')
    .select(['id', 'kind', 'user_agent', 'ip', 'created_at', 'last_seen_at'])
    .where('account_id', '=', accountId)
    .where('ended_at', 'is', null)
    .where('expires_at', '>', now)
    .orderBy('last_seen_at', 'desc')
    .execute();
}

export async function endSessions(db: Kysely<Database>, ids: readonly string[], reason: string, now: string) {
  if (ids.length === 0) return;
  await db
    .updateTable('account_sessions')
    .set({ ended_at: now, end_reason: reason })
    .where('id', 'in', ids)
    .where('ended_at', 'is', null)
    .execute();
}

/** Forgets the sessions that ended or expired before `before`, with their refresh tokens. */
export async function deleteSessionsOver(db: Kysely<Database>, before: string): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const over = trx
      .selectFrom('account_sessions')
      .select('id')
      .where((eb) => eb.or([eb('expires_at', '<', before), eb('ended_at', '<', before)]));
    await trx.deleteFrom('refresh_tokens').where('session_id', 'in', over).execute();
    const deleted = await trx
      .deleteFrom('account_sessions')
      .where((eb) => eb.or([eb('expires_at', '<', before), eb('ended_at', '<', before)]))
      .executeTakeFirst();
    return Number(deleted.numDeletedRows);
  });
}
